// Which topic the n-th MQTT message goes to: every `probeEvery`-th to a probe topic, the others through the load
// topics in turn. Load and probe messages are counted apart, so every load topic gets the same share: the stored
// share of a window is counted on a few load signals and scaled to all.

export class TopicCycle {
  private next = 0;
  private nextLoad = 0;
  private nextProbe = 0;

  constructor(
    private readonly topics: readonly string[],
    private readonly probeTopics: readonly string[],
    private readonly probeEvery: number,
  ) {}

  take(): string {
    const probe = this.next % this.probeEvery === 0;
    this.next += 1;
    if (probe) return this.probeTopics[this.nextProbe++ % this.probeTopics.length] ?? '';
    return this.topics[this.nextLoad++ % this.topics.length] ?? '';
  }
}
