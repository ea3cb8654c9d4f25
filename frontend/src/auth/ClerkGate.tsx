// Sign-in with Clerk (loaded only when VITE_CLERK_PUBLISHABLE_KEY is set):
// the signed-out see Clerk's sign-in; the signed-in's requests carry Clerk's
// session token, which the API verifies against Clerk's JWKS.
import { useEffect, type ReactNode } from "react";
import { ClerkProvider, SignIn, SignedIn, SignedOut, useAuth } from "@clerk/clerk-react";
import { setTokenSource } from "@/api/client";

function ClerkToken({ children }: { children: ReactNode }) {
  const { getToken, isLoaded } = useAuth();
  useEffect(() => {
    setTokenSource(() => getToken());
  }, [getToken]);
  return isLoaded ? <>{children}</> : null;
}

export default function ClerkGate({ publishableKey, children }: { publishableKey: string; children: ReactNode }) {
  return (
    <ClerkProvider publishableKey={publishableKey}>
      <SignedOut>
        <div className="flex min-h-screen items-center justify-center bg-slate-50">
          <SignIn routing="hash" />
        </div>
      </SignedOut>
      <SignedIn>
        <ClerkToken>{children}</ClerkToken>
      </SignedIn>
    </ClerkProvider>
  );
}
