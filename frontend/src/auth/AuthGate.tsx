// Who is signed in. With `VITE_CLERK_PUBLISHABLE_KEY` set at build time the
// UI signs in with Clerk (`ClerkGate`, loaded only then); without it, the UI
// relies on the server's dev bypass, which the layout shows as such. A
// server with neither answers 401, and the layout says what to configure.
import { lazy, Suspense, type ReactNode } from "react";

const CLERK_KEY = import.meta.env.VITE_CLERK_PUBLISHABLE_KEY as string | undefined;

export const clerkEnabled = Boolean(CLERK_KEY);

const ClerkGate = lazy(() => import("./ClerkGate"));

export function AuthGate({ children }: { children: ReactNode }) {
  if (!CLERK_KEY) return <>{children}</>;
  return (
    <Suspense fallback={null}>
      <ClerkGate publishableKey={CLERK_KEY}>{children}</ClerkGate>
    </Suspense>
  );
}
