// Settings: profile (organizations, theme), members and roles, API keys, platform connections.
import { type FormEvent, useState } from "react";
import { ApiError, del, describeError, post } from "../../lib/api";
import { signOut } from "../../lib/auth";
import { dateTime } from "../../lib/format";
import { type Theme, setTheme, useTheme } from "../../lib/prefs";
import { useApiKeys, useMe, useMembers } from "../../lib/queries";
import { navigate } from "../../lib/router";
import { updateSession, useSession } from "../../lib/session";
import { clearCache, invalidate } from "../../lib/store";
import type { ApiKeyCreated, Role } from "../../lib/types";
import { type Errors, validateApiKey, validateMember } from "../../lib/validation";
import { Badge, Button, Card, Empty, PageHeader, Resource, SelectField, TabPanel, Tabs, TextField, toast } from "../../ui/ui";
import { PlatformConnections } from "../onboarding/Connections";

type Tab = "profile" | "members" | "api-keys" | "connections";

const ROLE_HELP: Record<Role, string> = {
  owner: "Everything, including making other owners",
  admin: "Everything except making owners: members, API keys, platform connections",
  member: "Briefs, strategies, deployments, campaigns and assets",
  viewer: "Sees everything, changes nothing",
};

function useRole(): Role | null {
  const me = useMe();
  const session = useSession();
  return (me.data?.organizations.find((o) => o.id === session?.organizationId)?.role as Role | undefined) ?? null;
}

const isAdmin = (role: Role | null) => role === "owner" || role === "admin";

function Profile() {
  const me = useMe();
  const session = useSession();
  const theme = useTheme();
  return (
    <div className="stack">
      <Resource query={me} what="Your profile">
        {(data) => (
          <Card title="You">
            <dl className="facts">
              <dt>Email</dt>
              <dd>{data.user?.email}</dd>
              <dt>Member since</dt>
              <dd>{dateTime(data.user?.created_at)}</dd>
            </dl>
            <h3 style={{ marginTop: "1rem" }}>Organizations</h3>
            <ul style={{ listStyle: "none", padding: 0 }}>
              {data.organizations.map((o) => (
                <li key={o.id} className="row" style={{ alignItems: "center", marginBottom: "0.4rem" }}>
                  <strong>{o.name}</strong> <Badge>{o.role ?? "member"}</Badge>
                  {o.id === session?.organizationId ? (
                    <Badge tone="good">Current</Badge>
                  ) : (
                    <Button
                      small
                      onClick={() => {
                        updateSession({ organizationId: o.id });
                        clearCache();
                        navigate("/projects");
                      }}
                    >
                      Switch
                    </Button>
                  )}
                </li>
              ))}
            </ul>
          </Card>
        )}
      </Resource>
      <Card title="Appearance">
        <fieldset>
          <legend>Theme</legend>
          <div className="choice-row">
            {(["system", "light", "dark"] as Theme[]).map((t) => (
              <label className="checkbox" key={t}>
                <input type="radio" name="theme" checked={theme === t} onChange={() => setTheme(t)} />
                <span>{t === "system" ? "Same as my device" : t === "light" ? "Light" : "Dark"}</span>
              </label>
            ))}
          </div>
        </fieldset>
      </Card>
      <Card title="Session">
        <Button
          variant="danger"
          onClick={async () => {
            await signOut();
            navigate("/login");
          }}
        >
          Sign out
        </Button>
      </Card>
    </div>
  );
}

function Members({ role }: { role: Role | null }) {
  const session = useSession();
  const orgId = session?.organizationId ?? null;
  const members = useMembers(orgId);
  const [form, setForm] = useState<{ email: string; role: Role }>({ email: "", role: "member" });
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const admin = isAdmin(role);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    const found = validateMember(form);
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      await post(`/organizations/${orgId}/members`, { email: form.email.trim(), role: form.role });
      invalidate(`members/${orgId}`);
      setForm({ email: "", role: "member" });
      toast("Member added");
    } catch (error) {
      if (error instanceof ApiError && error.status === 422 && error.errors.length) setErrors(error.fieldErrors());
      else setFailure(error);
    } finally {
      setBusy(false);
    }
  };

  const remove = async (userId: string, email: string) => {
    try {
      await del(`/organizations/${orgId}/members/${userId}`);
      invalidate(`members/${orgId}`);
      toast(`${email} removed`);
    } catch (error) {
      toast(describeError(error), "bad");
    }
  };

  return (
    <div className="stack">
      {admin ? (
        <Card title="Add a member">
          <form onSubmit={add} noValidate className="row">
            <TextField
              label="Email"
              type="email"
              value={form.email}
              error={errors["/email"]}
              onChange={(e) => setForm({ ...form, email: e.target.value })}
            />
            <SelectField
              label="Role"
              value={form.role}
              hint={ROLE_HELP[form.role]}
              onChange={(e) => setForm({ ...form, role: e.target.value as Role })}
            >
              {(role === "owner" ? ["owner", "admin", "member", "viewer"] : ["admin", "member", "viewer"]).map((r) => (
                <option key={r} value={r}>
                  {r.charAt(0).toUpperCase() + r.slice(1)}
                </option>
              ))}
            </SelectField>
            <Button type="submit" variant="primary" busy={busy} style={{ marginBottom: "0.9rem" }}>
              Add
            </Button>
          </form>
          {failure !== null && (
            <p className="inline-error" role="alert">
              {describeError(failure)}
            </p>
          )}
        </Card>
      ) : (
        <p className="notice">Only owners and admins can add or remove members.</p>
      )}
      <Resource
        query={members}
        what="Members"
        empty={(list) => list.length === 0 && <Empty title="No members">Add your colleagues above.</Empty>}
      >
        {(list) => (
          <div className="table-wrap">
            <table className="table-stack">
              <caption className="visually-hidden">Members and roles</caption>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Role</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((m) => (
                  <tr key={m.user_id}>
                    <td data-label="Email">{m.email}</td>
                    <td title={ROLE_HELP[m.role]} data-label="Role">
                      {m.role}
                    </td>
                    <td data-label="Status">
                      {m.status === "invited" ? <Badge tone="info">Invited</Badge> : <Badge tone="good">Active</Badge>}
                    </td>
                    <td data-label="">
                      {admin && m.email !== session?.email && (
                        <Button small variant="danger" onClick={() => remove(m.user_id, m.email)} aria-label={`Remove ${m.email}`}>
                          Remove
                        </Button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Resource>
    </div>
  );
}

function ApiKeys({ role }: { role: Role | null }) {
  const admin = isAdmin(role);
  const keys = useApiKeys(admin);
  const [name, setName] = useState("");
  const [scope, setScope] = useState<"read" | "write">("read");
  const [errors, setErrors] = useState<Errors>({});
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (!admin) return <p className="notice">Only owners and admins can see and create API keys.</p>;

  const create = async (e: FormEvent) => {
    e.preventDefault();
    const found = validateApiKey({ name });
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      const key = await post<ApiKeyCreated>("/api-keys", { name: name.trim(), scope });
      setCreated(key);
      setName("");
      invalidate("apikeys");
    } catch (error) {
      if (error instanceof ApiError && error.status === 422 && error.errors.length) setErrors(error.fieldErrors());
      else setFailure(error);
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (id: string) => {
    try {
      await del(`/api-keys/${id}`);
      invalidate("apikeys");
      toast("Key revoked: it stops working at once");
    } catch (error) {
      toast(describeError(error), "bad");
    }
  };

  return (
    <div className="stack">
      <Card title="Create an API key">
        <p className="small muted">
          For scripts and integrations: send it as <span className="mono">Authorization: Bearer zamc_…</span>. Read keys see everything;
          write keys may also change projects, briefs, strategies and campaigns.
        </p>
        <form onSubmit={create} noValidate className="row">
          <TextField
            label="Name"
            value={name}
            error={errors["/name"]}
            placeholder="e.g. Reporting export"
            onChange={(e) => setName(e.target.value)}
          />
          <SelectField label="Scope" value={scope} onChange={(e) => setScope(e.target.value as "read" | "write")}>
            <option value="read">Read</option>
            <option value="write">Read and write</option>
          </SelectField>
          <Button type="submit" variant="primary" busy={busy} style={{ marginBottom: "0.9rem" }}>
            Create key
          </Button>
        </form>
        {failure !== null && (
          <p className="inline-error" role="alert">
            {describeError(failure)}
          </p>
        )}
        {created && (
          <div role="status">
            <p>
              <strong>Copy this key now: it is shown only once.</strong>
            </p>
            <div className="secret">
              <span className="mono" style={{ flex: 1 }}>
                {created.key}
              </span>
              <Button small onClick={() => navigator.clipboard?.writeText(created.key).then(() => toast("Copied"))}>
                Copy
              </Button>
            </div>
          </div>
        )}
      </Card>
      <Resource
        query={keys}
        what="API keys"
        empty={(list) => list.length === 0 && <Empty title="No API keys">Create one above when a script needs access.</Empty>}
      >
        {(list) => (
          <div className="table-wrap">
            <table className="table-stack">
              <caption className="visually-hidden">API keys</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key</th>
                  <th scope="col">Scope</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((k) => (
                  <tr key={k.id}>
                    <td data-label="Name">{k.name}</td>
                    <td className="mono" data-label="Key">
                      {k.prefix}…
                    </td>
                    <td data-label="Scope">{k.scope}</td>
                    <td data-label="Created">{dateTime(k.created_at)}</td>
                    <td data-label="">
                      {k.revoked_at ? (
                        <Badge>Revoked</Badge>
                      ) : (
                        <Button small variant="danger" onClick={() => revoke(k.id)} aria-label={`Revoke ${k.name}`}>
                          Revoke
                        </Button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Resource>
    </div>
  );
}

export default function Settings({ params }: { params: Record<string, string> }) {
  const tab = (["profile", "members", "api-keys", "connections"].includes(params.tab) ? params.tab : "profile") as Tab;
  const role = useRole();
  return (
    <>
      <PageHeader title="Settings" />
      <Tabs<Tab>
        label="Settings sections"
        value={tab}
        onChange={(t) => navigate(`/settings/${t}`, { replace: true })}
        tabs={[
          { id: "profile", label: "Profile" },
          { id: "members", label: "Members & roles" },
          { id: "api-keys", label: "API keys" },
          { id: "connections", label: "Platform connections" },
        ]}
      />
      <TabPanel id={tab}>
        {tab === "profile" && <Profile />}
        {tab === "members" && <Members role={role} />}
        {tab === "api-keys" && <ApiKeys role={role} />}
        {tab === "connections" && (
          <Card title="Platform connections">
            <p className="small muted">
              ZAMC acts in your ad accounts with the access you grant here. Re-authorise when a platform asks again; disconnecting stops all
              management and reporting.
            </p>
            <PlatformConnections returnTo="/settings/connections" canManage={isAdmin(role)} showAll />
          </Card>
        )}
      </TabPanel>
    </>
  );
}
