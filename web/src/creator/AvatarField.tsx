// A profile's picture: an image uploaded to the server's content store (kept once a signed profile names it), or none.
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { AVATAR_MAX_BYTES, DRAWN_IMAGE } from "../../../core/media-types.ts";
import type { Problem } from "../api/client.ts";
import { ProblemMessage } from "../api/ProblemMessage.tsx";
import { ProblemError } from "../register/relay.ts";
import { uploadFile } from "../register/upload.ts";
import { Alert } from "../ui/Alert.tsx";
import { Avatar } from "./Avatar.tsx";

/** Chooses, uploads and shows the picture; `onChange` gets its CID (or "" when removed). */
export function AvatarField({ cid, onChange }: { cid: string; onChange: (cid: string) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const [state, setState] = useState<{ busy?: boolean; error?: string; problem?: Problem }>({});
  const choose = async (file: File | undefined) => {
    if (!file) return;
    if (file.size > AVATAR_MAX_BYTES) {
      return setState({ error: t("creator.avatarTooLarge", { name: file.name, max: AVATAR_MAX_BYTES / 1024 / 1024 }) });
    }
    setState({ busy: true });
    try {
      const stored = await uploadFile(file, () => undefined);
      // The server's reading of the bytes decides, not the file's name: only a raster image is drawn.
      if (!DRAWN_IMAGE.test(stored.mediaType))
        return setState({ error: t("creator.avatarNotImage", { name: file.name }) });
      onChange(stored.cid);
      setState({});
    } catch (error) {
      setState(
        error instanceof ProblemError
          ? { problem: error.problem }
          : { error: error instanceof Error ? error.message : String(error) },
      );
    }
  };
  return (
    <div className="field">
      <label htmlFor={id}>{t("creator.field.avatar")}</label>
      <Avatar cid={cid} alt={t("creator.avatarPreview")} />
      <input
        id={id}
        type="file"
        accept="image/png,image/jpeg,image/webp,image/gif,image/avif"
        disabled={state.busy === true}
        onChange={(e) => void choose(e.target.files?.[0])}
      />
      {state.busy === true && <p className="hint">{t("creator.avatarUploading")}</p>}
      {cid !== "" && (
        <button type="button" onClick={() => onChange("")}>
          {t("creator.avatarRemove")}
        </button>
      )}
      <Alert message={state.error ?? ""} />
      {state.problem && <ProblemMessage problem={state.problem} />}
    </div>
  );
}
