declare module 'cli-progress' {
  interface Options {
    format?: string;
    stream?: NodeJS.WritableStream;
    hideCursor?: boolean;
  }
  export class SingleBar {
    constructor(options: Options, preset?: object);
    start(total: number, start: number, payload?: object): void;
    update(value: number, payload?: object): void;
    stop(): void;
  }
  export const Presets: { shades_classic: object };
  const _default: { SingleBar: typeof SingleBar; Presets: typeof Presets };
  export default _default;
}
