import { renderReferences, renderSummary } from '../src/report';

const mqtt = {
  messagesPerS: 20_000,
  publishedPerS: 20_100,
  cpu: { mosquitto: 60, generator: 45, subscriber: 70 },
};

describe('the MQTT raw reference in the report', () => {
  it('prints messages/s with the CPU of mosquitto, the generator and the subscriber', () => {
    expect(renderReferences({ copy: [], kafka: undefined, mqtt })).toContain(
      '20,000 messages/s (mosquitto 60 %, generator 45 %, subscriber 70 % CPU)',
    );
  });

  it("gives the MQTT mode's maximum as a share of it, and no other mode's", () => {
    const mode = (name: string) => ({
      mode: name,
      steps: [],
      sustainedMaxPerS: 5_000,
      latencyStep: undefined,
    });
    const lines = renderSummary([mode('services, http'), mode('services, mqtt')], {
      copy: [],
      kafka: undefined,
      mqtt,
    }).split('\n');
    expect(lines[0]).toContain('of MQTT raw');
    expect(lines[3]).toContain('25.0 %');
    expect(lines[2]).not.toContain('%');
  });
});
