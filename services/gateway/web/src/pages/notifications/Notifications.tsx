// The notifications centre: newest first, unread marked, mark one or all read; live via the stream.
import { useState } from "react";
import { describeError, post } from "../../lib/api";
import { dateTime } from "../../lib/format";
import { useNotifications } from "../../lib/queries";
import { navigate } from "../../lib/router";
import { invalidate } from "../../lib/store";
import type { Notification } from "../../lib/types";
import { Badge, Button, Card, Empty, PageHeader, Resource, toast } from "../../ui/ui";

function target(n: Notification): string | null {
  if (n.resource_type === "strategy" && n.resource_id) return `/strategies/${n.resource_id}`;
  if (n.resource_type === "brief" && n.resource_id) return `/briefs/${n.resource_id}`;
  if (n.resource_type === "connection" || n.kind.startsWith("connection")) return "/settings/connections";
  if (!n.project_id) return null;
  if (n.kind.startsWith("deployment")) return `/projects/${n.project_id}/campaigns`;
  if (n.kind.startsWith("recommendation")) return `/projects/${n.project_id}/recommendations`;
  if (n.kind.startsWith("anomaly")) return `/projects/${n.project_id}/dashboard`;
  if (n.kind.startsWith("asset")) return `/projects/${n.project_id}/assets`;
  return `/projects/${n.project_id}/dashboard`;
}

const TONES: Record<string, "bad" | "warn" | "info" | "good"> = {
  error: "bad",
  critical: "bad",
  warning: "warn",
  info: "info",
  success: "good",
};

export default function Notifications() {
  const notifications = useNotifications();
  const [busy, setBusy] = useState(false);

  const read = async (n: Notification) => {
    if (!n.read) {
      try {
        await post(`/notifications/${n.id}/read`);
        invalidate("notifications");
      } catch (e) {
        toast(describeError(e), "bad");
      }
    }
  };

  const readAll = async () => {
    setBusy(true);
    try {
      await post("/notifications/read-all");
      invalidate("notifications");
    } catch (e) {
      toast(describeError(e), "bad");
    } finally {
      setBusy(false);
    }
  };

  const unread = notifications.data?.unread_count ?? 0;
  return (
    <>
      <PageHeader
        title="Notifications"
        subtitle={notifications.data ? (unread ? `${unread} unread` : "All caught up") : undefined}
        actions={
          unread > 0 && (
            <Button onClick={readAll} busy={busy}>
              Mark all as read
            </Button>
          )
        }
      />
      <Resource
        query={notifications}
        what="Notifications"
        empty={(data) =>
          data.items.length === 0 && (
            <Empty title="No notifications yet">
              Deployments, anomalies, recommendations and connection problems show up here as they happen.
            </Empty>
          )
        }
      >
        {(data) => (
          <Card>
            <ul style={{ listStyle: "none", padding: 0, margin: 0 }} aria-label="Notifications, newest first">
              {data.items.map((n) => {
                const to = target(n);
                return (
                  <li key={n.id} className={`notification${n.read ? "" : " notification-unread"}`}>
                    <span className={n.read ? "read-dot" : "unread-dot"} aria-hidden="true" />
                    <div style={{ flex: 1, minWidth: 0 }}>
                      <p className="notification-title" style={{ margin: 0 }}>
                        {!n.read && <span className="visually-hidden">Unread: </span>}
                        {n.title} {n.severity && n.severity !== "info" && <Badge tone={TONES[n.severity] ?? "info"}>{n.severity}</Badge>}
                      </p>
                      {n.body && <p style={{ margin: "0.15rem 0" }}>{n.body}</p>}
                      <p className="small muted" style={{ margin: 0 }}>
                        {dateTime(n.created_at)}
                      </p>
                    </div>
                    <div className="row" style={{ flexWrap: "nowrap", alignItems: "center" }}>
                      {to && (
                        <Button
                          small
                          onClick={async () => {
                            await read(n);
                            navigate(to);
                          }}
                        >
                          Open
                        </Button>
                      )}
                      {!n.read && (
                        <Button small variant="ghost" onClick={() => read(n)} aria-label={`Mark read: ${n.title}`}>
                          Mark read
                        </Button>
                      )}
                    </div>
                  </li>
                );
              })}
            </ul>
          </Card>
        )}
      </Resource>
    </>
  );
}
