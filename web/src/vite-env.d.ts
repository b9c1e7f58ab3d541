// Types of what Vite provides the web app: its client types and the build-time validators module.
/// <reference types="vite/client" />

declare module "virtual:titlechain-validators" {
  export const validators: { id: string; options: Record<string, unknown>; validate: (value: unknown) => boolean }[];
}
