import { dashboardTrace } from '@gatewatch/store';
import type { Metadata } from 'next';
import { getFormatter, getTranslations } from 'next-intl/server';
import { ErrorState } from '../../../components/Panels.tsx';
import { getStore } from '../../../lib/store.ts';

export const dynamic = 'force-dynamic';
export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations('trace'))('title') };
}

const attrs = (a: Record<string, string>) =>
  Object.entries(a)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

/** One tunnel's spans (otel_traces) as a simple waterfall. */
export default async function TracePage({ params }: { params: Promise<{ traceId: string }> }) {
  const traceId = (await params).traceId.toLowerCase();
  const t = await getTranslations('trace');
  const format = await getFormatter();
  let content: React.ReactNode;
  if (!/^[0-9a-f]{32}$/.test(traceId)) {
    content = (
      <div className="callout error" role="alert">
        {t('badId', { id: traceId })}
      </div>
    );
  } else {
    try {
      const spans = await dashboardTrace(await getStore(), traceId);
      if (spans.length === 0) {
        content = (
          <div className="callout" role="status">
            <strong>{t('noSpans')}</strong>
            <p>{t.rich('noSpansHint', { code: (c) => <code>{c}</code> })}</p>
          </div>
        );
      } else {
        const startNs = (s: string) =>
          Date.parse(`${s.slice(0, 23).replace(' ', 'T')}Z`) * 1e6 + Number(s.slice(23, 29).padEnd(6, '0'));
        const t0 = Math.min(...spans.map((s) => startNs(s.startNs)));
        const end = Math.max(...spans.map((s) => startNs(s.startNs) + s.durationNs));
        const total = Math.max(1, end - t0);
        content = (
          <section className="panel" aria-label={t('spans')}>
            <table data-testid="spans">
              <thead>
                <tr>
                  <th scope="col">{t('span')}</th>
                  <th scope="col">{t('service')}</th>
                  <th scope="col" className="num">
                    {t('duration')}
                  </th>
                  <th scope="col">{t('status')}</th>
                  <th scope="col" style={{ width: '40%' }}>
                    {t('timeline')}
                  </th>
                  <th scope="col">{t('attributes')}</th>
                </tr>
              </thead>
              <tbody>
                {spans.map((s) => {
                  const left = ((startNs(s.startNs) - t0) / total) * 100;
                  const width = Math.max(0.5, (s.durationNs / total) * 100);
                  return (
                    <tr key={s.spanId}>
                      <td className="nowrap" style={{ paddingLeft: s.parentSpanId ? 24 : 8 }}>
                        {s.name}
                      </td>
                      <td className="nowrap">{s.service}</td>
                      <td className="num">
                        {format.number(s.durationNs / 1e6, {
                          style: 'unit',
                          unit: 'millisecond',
                          minimumFractionDigits: 2,
                          maximumFractionDigits: 2,
                        })}
                      </td>
                      <td className="nowrap">
                        {s.statusCode}
                        {s.statusMessage ? `: ${s.statusMessage}` : ''}
                      </td>
                      <td>
                        <div
                          style={{
                            position: 'relative',
                            height: 10,
                            minWidth: 240,
                            background: 'var(--grid)',
                          }}
                          aria-hidden="true"
                        >
                          <div
                            style={{
                              position: 'absolute',
                              left: `${left}%`,
                              width: `${width}%`,
                              top: 0,
                              bottom: 0,
                              background: 'var(--accent)',
                            }}
                          />
                        </div>
                      </td>
                      <td className="attrs clip" title={attrs(s.attributes)}>
                        {attrs(s.attributes)}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </section>
        );
      }
    } catch (err) {
      content = <ErrorState err={err} />;
    }
  }
  return (
    <>
      <h1>{t('title')}</h1>
      <p className="sub mono">{traceId}</p>
      {content}
    </>
  );
}
