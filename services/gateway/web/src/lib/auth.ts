// Sign-up, sign-in and sign-out against /api/v1/auth.
import { post } from "./api";
import { setSession, getSession } from "./session";
import { clearCache } from "./store";
import { stopStream } from "./stream";
import type { SignupResponse, TokenPair } from "./types";

export async function signUp(form: { email: string; password: string; organization_name: string }): Promise<SignupResponse> {
  const answer = await post<SignupResponse>(
    "/auth/signup",
    { email: form.email.trim(), password: form.password, organization_name: form.organization_name.trim() },
    { anonymous: true },
  );
  clearCache();
  setSession({
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token,
    organizationId: answer.organization.id,
    email: answer.user.email,
  });
  return answer;
}

export async function signIn(form: { email: string; password: string }): Promise<void> {
  const pair = await post<TokenPair>("/auth/login", { email: form.email.trim(), password: form.password }, { anonymous: true });
  clearCache();
  setSession({ accessToken: pair.access_token, refreshToken: pair.refresh_token, organizationId: null, email: form.email.trim() });
}

export async function signOut(): Promise<void> {
  const session = getSession();
  stopStream();
  try {
    if (session) await post("/auth/logout", { refresh_token: session.refreshToken });
  } catch {
    // the tokens are forgotten below either way
  }
  setSession(null);
  clearCache();
}
