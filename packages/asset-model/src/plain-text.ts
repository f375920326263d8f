// Text from the plant file that ends up in events and the database (names, descriptions, units, stop reasons,
// tag patterns): refused at start when it holds NUL or other control characters or is longer than Kiln keeps,
// rather than stalling a consumer later (PostgreSQL refuses U+0000).
import { textProblem } from '@kiln/contracts';
import { z } from 'zod';

export const plainText = z.string().superRefine((text, context) => {
  const problem = textProblem(text);
  if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
});
