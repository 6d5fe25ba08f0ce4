/** The playground's controls: every one a labelled form control (keyboard and screen-reader usable). */
import { useState } from 'react';
import type { ChangeEvent, ReactNode } from 'react';
import { ACTIVATIONS, COLORINGS, DATASETS, MIN_LR, OPTIMIZERS, parseBox3, parseWidths } from './state.js';
import type { PlaygroundState } from './state.js';

interface Props {
  readonly state: PlaygroundState;
  readonly set: (patch: Partial<PlaygroundState>) => void;
}

function Field({ id, label, children }: { id: string; label: string; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
    </div>
  );
}

function Select<T extends string>(p: { id: string; label: string; value: T; values: readonly T[]; onChange: (v: T) => void }) {
  return (
    <Field id={p.id} label={p.label}>
      <select id={p.id} value={p.value} onChange={(e) => p.onChange(e.target.value as T)}>
        {p.values.map((v) => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
      </select>
    </Field>
  );
}

function NumberField(p: {
  id: string;
  label: string;
  value: number;
  step: number;
  min: number;
  max: number;
  onChange: (v: number) => void;
}) {
  const change = (e: ChangeEvent<HTMLInputElement>) => {
    const v = Number(e.target.value);
    if (e.target.value !== '' && Number.isFinite(v) && v >= p.min && v <= p.max) p.onChange(v);
  };
  return (
    <Field id={p.id} label={p.label}>
      <input id={p.id} type="number" defaultValue={p.value} step={p.step} min={p.min} max={p.max} onChange={change} />
    </Field>
  );
}

function Check(p: { id: string; label: string; value: boolean; onChange: (v: boolean) => void }) {
  return (
    <div className="field check">
      <input id={p.id} type="checkbox" checked={p.value} onChange={(e) => p.onChange(e.target.checked)} />
      <label htmlFor={p.id}>{p.label}</label>
    </div>
  );
}

export function DataControls({ state, set }: Props) {
  return (
    <fieldset>
      <legend>Data</legend>
      <Select id="dataset" label="Dataset" value={state.dataset} values={DATASETS} onChange={(dataset) => set({ dataset })} />
      <NumberField id="noise" label="Noise" value={state.noise} step={0.05} min={0} max={0.5} onChange={(noise) => set({ noise })} />
      <NumberField
        id="samples"
        label="Samples"
        value={state.samples}
        step={50}
        min={10}
        max={5000}
        onChange={(samples) => set({ samples })}
      />
      <NumberField id="seed" label="Seed" value={state.seed} step={1} min={0} max={2 ** 31 - 1} onChange={(seed) => set({ seed })} />
    </fieldset>
  );
}

export function NetworkControls({ state, set }: Props) {
  const ok = parseWidths(state.hidden) !== null;
  return (
    <fieldset>
      <legend>Network and optimizer</legend>
      <Field id="hidden" label="Hidden widths (e.g. 8-8)">
        <input
          id="hidden"
          type="text"
          defaultValue={state.hidden}
          aria-invalid={!ok}
          onChange={(e) => parseWidths(e.target.value) && set({ hidden: e.target.value })}
        />
      </Field>
      <Select
        id="activation"
        label="Activation"
        value={state.activation}
        values={ACTIVATIONS}
        onChange={(activation) => set({ activation })}
      />
      <NumberField id="leak" label="Leak (leaky ReLU)" value={state.leak} step={0.05} min={0} max={1} onChange={(leak) => set({ leak })} />
      <Select id="optimizer" label="Optimizer" value={state.optimizer} values={OPTIMIZERS} onChange={(optimizer) => set({ optimizer })} />
      <NumberField id="lr" label="Learning rate" value={state.lr} step={0.001} min={MIN_LR} max={10} onChange={(lr) => set({ lr })} />
      <NumberField id="batch" label="Batch size" value={state.batch} step={1} min={1} max={5000} onChange={(batch) => set({ batch })} />
      <NumberField id="epochs" label="Epochs" value={state.epochs} step={10} min={1} max={100000} onChange={(epochs) => set({ epochs })} />
    </fieldset>
  );
}

export function ViewControls({ state, set }: Props) {
  return (
    <fieldset>
      <legend>View</legend>
      <Select id="color" label="Colour by" value={state.color} values={COLORINGS} onChange={(color) => set({ color })} />
      <NumberField
        id="extent"
        label="Box half-width"
        value={state.extent}
        step={0.1}
        min={0.01}
        max={1000}
        onChange={(extent) => set({ extent })}
      />
      <Check id="show-data" label="Show data" value={state.showData} onChange={(showData) => set({ showData })} />
      <Check
        id="show-boundary"
        label="Show decision boundary"
        value={state.showBoundary}
        onChange={(showBoundary) => set({ showBoundary })}
      />
      <Box3Field value={state.box3} onChange={(box3) => set({ box3 })} />
    </fieldset>
  );
}

/** The 3-D view's box: empty for the default, else six numbers (applied once valid). */
function Box3Field(p: { value: string; onChange: (v: string) => void }) {
  const [text, setText] = useState(p.value);
  const ok = text.trim() === '' || parseBox3(text) !== null;
  return (
    <Field id="box3" label="3-D box (x0lo,x0hi,x1lo,x1hi,x2lo,x2hi; empty: default)">
      <input
        id="box3"
        type="text"
        value={text}
        aria-invalid={!ok}
        placeholder="-1,1,-1,1,-1,1"
        onChange={(e) => {
          setText(e.target.value);
          const v = e.target.value.trim();
          if (v === '' || parseBox3(v)) p.onChange(v);
        }}
      />
    </Field>
  );
}
