// The accounts an event names, with their roles: one list for the provenance timeline and the transfers explorer.
import { useTranslation } from "react-i18next";
import { Hex } from "../ui/Hex.tsx";

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const NATIVE = "0x0000000000000000000000000000000000000000";
// The roles with a label in the catalogues; any other is shown by its name.

/** The accounts an event names (every address among its details but the currency), with their roles. */
function partiesOf(details: Record<string, unknown>): { role: string; address: string }[] {
  return Object.entries(details)
    .filter(
      ([role, value]) => role !== "currency" && typeof value === "string" && ADDRESS.test(value) && value !== NATIVE,
    )
    .map(([role, value]) => ({ role, address: value as string }));
}

/** The event's parties as a list of role and address; nothing when it names none. */
export function Parties({ details }: { details: Record<string, unknown> }) {
  const { t, i18n } = useTranslation();
  const parties = partiesOf(details);
  if (parties.length === 0) return null;
  return (
    <dl className="facts compact parties">
      {parties.map((p) => (
        <div key={p.role}>
          <dt>
            {i18n.exists(`timeline.role.${p.role}`) ? t(`timeline.role.${p.role}` as "timeline.role.creator") : p.role}
          </dt>
          <dd>
            <Hex value={p.address} />
          </dd>
        </div>
      ))}
    </dl>
  );
}
