// A file chooser that also takes a dropped file: a labelled input (keyboard and screen readers) inside a drop zone.
import { type DragEvent, type ReactNode, useId, useState } from "react";

export function FileDrop(props: { label: string; hint?: ReactNode; accept?: string; onFile: (file: File) => void }) {
  const id = useId();
  const [over, setOver] = useState(false);
  const drop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    const file = event.dataTransfer.files[0];
    if (file) props.onFile(file);
  };
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: dropping is a pointer shortcut; the input inside is the control
    <div
      className={over ? "file-drop over" : "file-drop"}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={drop}
    >
      <label htmlFor={id}>{props.label}</label>
      {props.hint !== undefined && <p className="hint">{props.hint}</p>}
      <input
        id={id}
        type="file"
        {...(props.accept !== undefined ? { accept: props.accept } : {})}
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) props.onFile(file);
        }}
      />
    </div>
  );
}
