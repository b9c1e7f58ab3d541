// A form's failure in words, announced to screen readers when it appears; nothing when there is none.
export function Alert({ message }: { message: string }) {
  if (message === "") return null;
  return (
    <p className="field-error" role="alert">
      {message}
    </p>
  );
}
