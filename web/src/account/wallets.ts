// Injected wallets found by EIP-6963 (each announces itself; none is assumed), with the old window.ethereum as a fallback.
import type { EIP1193Provider } from "viem";

/** What a wallet tells about itself (EIP-6963). `icon` is a data URI, shown only as an image. */
export type WalletInfo = { uuid: string; name: string; icon: string; rdns: string };
export type InjectedWallet = { info: WalletInfo; provider: EIP1193Provider };

type Announcement = CustomEvent<{ info?: Partial<WalletInfo>; provider?: EIP1193Provider }>;

const isImage = (icon: unknown): icon is string => typeof icon === "string" && /^data:image\/[a-z+.-]+[;,]/.test(icon);

/**
 * Listens for wallets announcing themselves and asks them to; calls `onChange` with every distinct wallet so far.
 * Returns the function that stops listening.
 */
export function discoverWallets(onChange: (wallets: InjectedWallet[]) => void): () => void {
  const found = new Map<string, InjectedWallet>();
  const announced = (event: Event) => {
    const { info, provider } = (event as Announcement).detail ?? {};
    if (!info || !provider || typeof provider.request !== "function" || typeof info.uuid !== "string") return;
    found.set(info.uuid, {
      info: {
        uuid: info.uuid,
        name: typeof info.name === "string" ? info.name.slice(0, 60) : "wallet",
        icon: isImage(info.icon) ? info.icon : "",
        rdns: typeof info.rdns === "string" ? info.rdns : "",
      },
      provider,
    });
    onChange([...found.values()]);
  };
  window.addEventListener("eip6963:announceProvider", announced);
  window.dispatchEvent(new Event("eip6963:requestProvider"));
  // A wallet of before EIP-6963 only sets window.ethereum: offered when nothing announced itself.
  const legacy = setTimeout(() => {
    const injected = (window as { ethereum?: EIP1193Provider }).ethereum;
    if (found.size === 0 && injected && typeof injected.request === "function") {
      found.set("window.ethereum", {
        info: { uuid: "window.ethereum", name: "Browser wallet", icon: "", rdns: "" },
        provider: injected,
      });
      onChange([...found.values()]);
    }
  }, 300);
  return () => {
    clearTimeout(legacy);
    window.removeEventListener("eip6963:announceProvider", announced);
  };
}
