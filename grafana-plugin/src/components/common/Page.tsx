import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { useStyles2 } from '@grafana/ui';

export function Page({
  title,
  subTitle,
  actions,
  children,
}: {
  title: string;
  subTitle?: React.ReactNode;
  actions?: React.ReactNode;
  children: React.ReactNode;
}) {
  return (
    <PluginPage pageNav={{ text: title }} subTitle={subTitle} actions={actions}>
      {children}
    </PluginPage>
  );
}

const tableStyles = (theme: GrafanaTheme2) => ({
  table: css({
    width: '100%',
    borderCollapse: 'collapse',
    fontSize: theme.typography.bodySmall.fontSize,
    'th, td': {
      textAlign: 'left',
      padding: theme.spacing(0.75, 1),
      borderBottom: `1px solid ${theme.colors.border.weak}`,
      verticalAlign: 'top',
    },
    th: { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium },
    'td.num, th.num': { textAlign: 'right', fontVariantNumeric: 'tabular-nums' },
  }),
  mono: css({ fontFamily: theme.typography.fontFamilyMonospace, wordBreak: 'break-all' }),
  section: css({ marginBottom: theme.spacing(3) }),
  grid: css({
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    gap: theme.spacing(0.5, 2),
    alignItems: 'baseline',
  }),
  label: css({ color: theme.colors.text.secondary }),
  tiles: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(2), marginBottom: theme.spacing(3) }),
  tile: css({
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(1.5, 2),
    minWidth: 180,
    background: theme.colors.background.secondary,
  }),
  tileValue: css({ fontSize: theme.typography.h2.fontSize, fontVariantNumeric: 'tabular-nums' }),
});

export const useTableStyles = () => useStyles2(tableStyles);

export function Section({
  title,
  children,
  actions,
}: {
  title: string;
  children: React.ReactNode;
  actions?: React.ReactNode;
}) {
  const s = useTableStyles();
  return (
    <section className={s.section} aria-label={title}>
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'baseline' }}>
        <h3>{title}</h3>
        {actions}
      </div>
      {children}
    </section>
  );
}

export function Fields({ rows }: { rows: Array<[string, React.ReactNode]> }) {
  const s = useTableStyles();
  return (
    <div className={s.grid}>
      {rows.map(([k, v]) => (
        <React.Fragment key={k}>
          <span className={s.label}>{k}</span>
          <span>{v}</span>
        </React.Fragment>
      ))}
    </div>
  );
}

export function Tile({ label, value, hint }: { label: string; value: React.ReactNode; hint?: string }) {
  const s = useTableStyles();
  return (
    <div className={s.tile} title={hint} aria-label={label}>
      <div className={s.label}>{label}</div>
      <div className={s.tileValue}>{value}</div>
    </div>
  );
}

export function Mono({ children, title }: { children: React.ReactNode; title?: string }) {
  const s = useTableStyles();
  return (
    <span className={s.mono} title={title}>
      {children}
    </span>
  );
}

/** A long hex hash shortened to its ends, the whole in the tooltip. */
export function Hash({ value, full = false }: { value: string; full?: boolean }) {
  const short = full || value.length <= 20 ? value : `${value.slice(0, 10)}…${value.slice(-8)}`;
  return <Mono title={value}>{short || '—'}</Mono>;
}
