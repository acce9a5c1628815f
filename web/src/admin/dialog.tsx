import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { t } from '../i18n';

/** A modal `<dialog>`: focus trapped by the browser, Escape closes. */
export function Dialog({
  title,
  onClose,
  children,
}: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="dialog-title" onCancel={onClose}>
      <div class="row">
        <h2 id="dialog-title" style="flex:1">
          {title}
        </h2>
        <button type="button" class="link" aria-label={t('Close')} onClick={onClose}>
          ✕
        </button>
      </div>
      {children}
    </dialog>
  );
}

/** A caught error as text for an alert. */
export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function ErrorText({ error }: { error: string }) {
  return error ? (
    <p role="alert" class="error">
      {error}
    </p>
  ) : null;
}
