'use client';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { type Messages, useTranslations } from 'next-intl';
import { type FormEvent, useId } from 'react';
import { withParams } from '../lib/range.ts';

export interface FilterField {
  key: string;
  label: string;
  /** Options for a select ('' = any); omitted → free text input. */
  options?: { value: string; label: string }[];
  placeholder?: string;
  /** Suggestions for a text input. */
  suggestions?: string[];
}

type FieldKey = keyof Messages['filters']['fields'];
type PlaceholderKey = keyof Messages['filters']['placeholders'];
type ReasonKey = keyof Messages['reasons'];

/** Filters as URL params: selects apply at once, text fields on Enter / Apply. */
export function FilterBar({ fields }: { fields: FilterField[] }) {
  const router = useRouter();
  const pathname = usePathname();
  const sp = useSearchParams();
  const uid = useId();
  const t = useTranslations('filters');
  const tr = useTranslations('reasons');
  const push = (changes: Record<string, string | undefined>) =>
    router.push(`${pathname}${withParams(new URLSearchParams(sp.toString()), changes)}`);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const fd = new FormData(e.currentTarget);
    const changes: Record<string, string | undefined> = {};
    for (const f of fields) changes[f.key] = String(fd.get(f.key) ?? '').trim() || undefined;
    push(changes);
  };
  const active = fields.some((f) => sp.get(f.key));
  return (
    <form className="filters" onSubmit={onSubmit} aria-label={t('label')} key={sp.toString()}>
      {fields.map((f) => (
        <div key={f.key} className="field">
          <label htmlFor={`${uid}-in-${f.key}`}>{t(`fields.${f.key as FieldKey}`)}</label>
          {f.options ? (
            <select
              id={`${uid}-in-${f.key}`}
              name={f.key}
              defaultValue={sp.get(f.key) ?? ''}
              onChange={(e) => push({ [f.key]: e.target.value || undefined })}
            >
              <option value="">{t('any')}</option>
              {f.options.map((o) => (
                <option key={o.value} value={o.value}>
                  {f.key === 'reason' ? tr(o.value as ReasonKey) : o.label}
                </option>
              ))}
            </select>
          ) : (
            <>
              <input
                id={`${uid}-in-${f.key}`}
                name={f.key}
                defaultValue={sp.get(f.key) ?? ''}
                placeholder={f.placeholder ? t(`placeholders.${f.key as PlaceholderKey}`) : t('any')}
                list={f.suggestions?.length ? `${uid}-${f.key}` : undefined}
                size={18}
              />
              {f.suggestions?.length ? (
                <datalist id={`${uid}-${f.key}`}>
                  {f.suggestions.map((s) => (
                    <option key={s} value={s} />
                  ))}
                </datalist>
              ) : null}
            </>
          )}
        </div>
      ))}
      <button type="submit">{t('apply')}</button>
      {active ? (
        <button type="button" onClick={() => push(Object.fromEntries(fields.map((f) => [f.key, undefined])))}>
          {t('clear')}
        </button>
      ) : null}
    </form>
  );
}
