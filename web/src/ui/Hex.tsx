// A hash or an address in full, in a monospace run that may wrap anywhere (auditors copy them whole).
export function Hex({ value }: { value: string }) {
  return (
    <code className="hex" translate="no">
      {value}
    </code>
  );
}
