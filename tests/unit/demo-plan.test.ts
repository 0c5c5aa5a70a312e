import { planDemo, referenceAsOf } from '../../src/demo/meter-plan';
import { DemoOptionsError, resolveDemoOptions } from '../../src/demo/options';

const plan = (options: Parameters<typeof resolveDemoOptions>[0]) => planDemo(resolveDemoOptions(options));

describe('demo meter plan', () => {
  it('splits meters across sources by the configured shares', () => {
    const { bySource } = plan({ meters: 100, sourceShares: { default: 0.5, octopus: 0.3, greenbutton: 0.2 } });

    expect([bySource.default.length, bySource.octopus.length, bySource.greenbutton.length]).toEqual([50, 30, 20]);
  });

  it('gives every meter a distinct id: 10 hex characters, or a urn:uuid usage point id for Green Button', () => {
    const meters = plan({ meters: 2000 }).meters;
    const ids = meters.map((meter) => meter.meterId);

    expect(new Set(ids).size).toBe(2000);
    for (const meter of meters) {
      expect(meter.meterId).toMatch(meter.source === 'greenbutton' ? /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/ : /^[0-9a-f]{10}$/);
    }
  });

  it('is identical for the same seed and different for another', () => {
    const ids = (seed: number) => plan({ meters: 50, seed }).meters.map((meter) => meter.meterId);

    expect(ids(7)).toEqual(ids(7));
    expect(ids(7)).not.toEqual(ids(8));
  });

  it('changes some products inside the window, closing the earlier agreement', () => {
    const demo = plan({ meters: 400, days: 60 });
    const reference = referenceAsOf(demo, 59);
    const windowStart = '2021-01-01';

    const closedInWindow = reference.agreements.filter((a) => a.agreement_valid_to !== null && a.agreement_valid_to > windowStart);

    expect(closedInWindow.length).toBeGreaterThan(0);
    for (const closed of closedInWindow) {
      const successor = reference.agreements.find(
        (a) => a.meterpoint_id === closed.meterpoint_id && a.agreement_valid_from === closed.agreement_valid_to,
      );
      expect(successor).toBeDefined();
    }
  });

  it('keeps one open agreement per meterpoint at the end of the window', () => {
    const demo = plan({ meters: 300 });
    const reference = referenceAsOf(demo, demo.options.days - 1);

    const open = reference.agreements.filter((a) => a.agreement_valid_to === null);

    expect(open.map((a) => a.meterpoint_id).sort()).toEqual(reference.meterpoints.map((m) => m.meterpoint_id).sort());
  });

  it('leaves meters that join later out of early reference drops', () => {
    const demo = plan({ meters: 300, days: 60 });

    const early = referenceAsOf(demo, 0).meterpoints.length;
    const late = referenceAsOf(demo, 59).meterpoints.length;

    expect(early).toBeLessThan(late);
    expect(late).toBe(300);
  });

  it('rejects bad options with every problem named', () => {
    expect(() => resolveDemoOptions({ meters: 0, endDate: '2021-3-1', correctionShare: 2 })).toThrow(DemoOptionsError);
    expect(() => resolveDemoOptions({ meters: 0, endDate: '2021-3-1', correctionShare: 2 })).toThrow(
      /meters must be an integer >= 1, got 0.*correctionShare must be between 0 and 1, got 2.*endDate must be a YYYY-MM-DD date, got '2021-3-1'/,
    );
  });
});
