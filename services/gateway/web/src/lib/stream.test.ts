// @vitest-environment node
import { describe, expect, it } from "vitest";
import { parseSse } from "./stream";

describe("parseSse", () => {
  it("splits events, keeps the unfinished rest and skips comments", () => {
    const text =
      'retry: 3000\n\nevent: ready\ndata: {"topics":[]}\n\n: keep-alive\n\nevent: metrics.updated\nid: 7\ndata: {"id":"7","topic":"metrics.updated","data":{"project_id":"p1"}}\n\nevent: brief.progress\ndata: {"data":';
    const { events, rest } = parseSse(text);
    expect(events.map((e) => e.topic)).toEqual(["ready", "metrics.updated"]);
    expect(events[1]).toEqual({ topic: "metrics.updated", id: "7", data: { project_id: "p1" } });
    expect(rest).toBe('event: brief.progress\ndata: {"data":');
  });

  it("handles CRLF line endings", () => {
    const { events } = parseSse('event: notification.created\r\ndata: {"data":{"id":"n1"}}\r\n\r\n');
    expect(events).toEqual([{ topic: "notification.created", id: undefined, data: { id: "n1" } }]);
  });
});
