// Creative assets: drag-and-drop upload with progress, preview, versions, approve or reject.
import { type DragEvent, useEffect, useRef, useState } from "react";
import { describeError, post, send, upload } from "../../lib/api";
import { bytes, dateTime } from "../../lib/format";
import { useAssets } from "../../lib/queries";
import { invalidate } from "../../lib/store";
import type { Asset } from "../../lib/types";
import { Button, Card, Dialog, Empty, PageHeader, ProgressBar, Resource, StatusBadge, TextArea, cx, toast } from "../../ui/ui";

const ACCEPT = "image/png,image/jpeg,image/gif,image/webp,text/plain,text/markdown,.txt,.md";
const MAX_IMAGE = 5 * 1024 * 1024;
const MAX_TEXT = 64 * 1024;

interface UploadItem {
  id: number;
  name: string;
  progress: number;
  error?: string;
  done?: boolean;
}

/** Check a file the way the gateway will (type and size) before sending it. */
export function checkFile(file: { name: string; type: string; size: number }): string | null {
  const isImage = /^image\/(png|jpeg|gif|webp)$/.test(file.type);
  const isText = file.type.startsWith("text/") || /\.(txt|md)$/i.test(file.name);
  if (!isImage && !isText) return `${file.name}: only PNG, JPEG, GIF and WebP images or plain text can be uploaded`;
  if (isImage && file.size > MAX_IMAGE) return `${file.name} is ${bytes(file.size)}; images may be at most 5 MB`;
  if (!isImage && file.size > MAX_TEXT) return `${file.name} is ${bytes(file.size)}; text may be at most 64 KB`;
  return null;
}

function Preview({ asset }: { asset: Asset }) {
  const [src, setSrc] = useState<string | null>(null);
  const [text, setText] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let url: string | null = null;
    let cancelled = false;
    send("GET", `/assets/${asset.id}/content`, { query: { version: asset.current_version }, headers: { Accept: "*/*" } })
      .then(async (response) => {
        if (cancelled) return;
        if (asset.kind === "image") {
          url = URL.createObjectURL(await response.blob());
          setSrc(url);
        } else setText((await response.text()).slice(0, 600));
      })
      .catch(() => !cancelled && setFailed(true));
    return () => {
      cancelled = true;
      if (url) URL.revokeObjectURL(url);
    };
  }, [asset.id, asset.current_version, asset.kind]);
  return (
    <div className="asset-preview">
      {failed ? (
        <span className="muted small">Preview unavailable</span>
      ) : src ? (
        <img src={src} alt={`Preview of ${asset.name}`} />
      ) : text !== null ? (
        <pre>{text}</pre>
      ) : (
        <span className="spinner" aria-hidden="true" />
      )}
    </div>
  );
}

function ReviewDialog({ asset, decision, onClose }: { asset: Asset; decision: "approve" | "reject"; onClose: () => void }) {
  const [note, setNote] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    try {
      await post(`/assets/${asset.id}/${decision}`, note.trim() ? { note: note.trim() } : {});
      invalidate(`assets/${asset.project_id}`);
      toast(decision === "approve" ? `${asset.name} approved` : `${asset.name} rejected`);
      onClose();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={`${decision === "approve" ? "Approve" : "Reject"} ${asset.name}`}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button
            variant={decision === "approve" ? "primary" : "danger"}
            busy={busy}
            onClick={submit}
            disabled={decision === "reject" && !note.trim()}
          >
            {decision === "approve" ? "Approve" : "Reject"}
          </Button>
        </>
      }
    >
      <TextArea
        label={decision === "approve" ? "Note (optional)" : "What should change?"}
        value={note}
        maxLength={2000}
        rows={3}
        hint={decision === "reject" ? "The uploader sees this note. Required when rejecting." : undefined}
        onChange={(e) => setNote(e.target.value)}
      />
      {error !== null && (
        <p className="inline-error" role="alert">
          {describeError(error)}
        </p>
      )}
    </Dialog>
  );
}

function AssetCard({ asset, onUploadVersion }: { asset: Asset; onUploadVersion: (asset: Asset, file: File) => void }) {
  const [reviewing, setReviewing] = useState<"approve" | "reject" | null>(null);
  const input = useRef<HTMLInputElement>(null);
  return (
    <Card className="asset-card">
      <Preview asset={asset} />
      <div className="tree-title" style={{ marginBottom: 0 }}>
        <h3 style={{ margin: 0, overflowWrap: "anywhere" }}>{asset.name}</h3>
        <StatusBadge status={asset.status} />
      </div>
      <p className="small muted" style={{ margin: 0 }}>
        v{asset.current_version} · {asset.content_type} · {bytes(asset.size_bytes)}
      </p>
      {asset.review_note && <p className="small">“{asset.review_note}”</p>}
      <details>
        <summary className="small">Versions ({asset.versions.length})</summary>
        <ul className="small">
          {[...asset.versions].reverse().map((v) => (
            <li key={v.version}>
              v{v.version} · {bytes(v.size_bytes)} · {dateTime(v.created_at)}
            </li>
          ))}
        </ul>
      </details>
      <div className="row">
        {asset.status !== "approved" && (
          <Button small variant="primary" onClick={() => setReviewing("approve")}>
            Approve
          </Button>
        )}
        {asset.status !== "rejected" && (
          <Button small variant="danger" onClick={() => setReviewing("reject")}>
            Reject
          </Button>
        )}
        <Button small onClick={() => input.current?.click()}>
          New version
        </Button>
        <input
          ref={input}
          type="file"
          accept={ACCEPT}
          hidden
          aria-label={`New version of ${asset.name}`}
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) onUploadVersion(asset, file);
            e.target.value = "";
          }}
        />
      </div>
      {reviewing && <ReviewDialog asset={asset} decision={reviewing} onClose={() => setReviewing(null)} />}
    </Card>
  );
}

export default function Assets({ params }: { params: Record<string, string> }) {
  const { projectId } = params;
  const assets = useAssets(projectId);
  const [uploads, setUploads] = useState<UploadItem[]>([]);
  const [over, setOver] = useState(false);
  const picker = useRef<HTMLInputElement>(null);
  const nextId = useRef(1);

  const track = (name: string, run: (progress: (f: number) => void) => Promise<unknown>) => {
    const id = nextId.current++;
    setUploads((u) => [...u, { id, name, progress: 0 }]);
    const setItem = (patch: Partial<UploadItem>) => setUploads((u) => u.map((x) => (x.id === id ? { ...x, ...patch } : x)));
    run((f) => setItem({ progress: f }))
      .then(() => {
        setItem({ done: true, progress: 1 });
        invalidate(`assets/${projectId}`);
        setTimeout(() => setUploads((u) => u.filter((x) => x.id !== id)), 2500);
      })
      .catch((e) => setItem({ error: describeError(e) }));
  };

  const uploadFiles = (files: FileList | File[]) => {
    for (const file of Array.from(files)) {
      const problem = checkFile(file);
      if (problem) {
        setUploads((u) => [...u, { id: nextId.current++, name: file.name, progress: 0, error: problem }]);
        continue;
      }
      const form = new FormData();
      form.append("file", file, file.name);
      form.append("name", file.name);
      track(file.name, (progress) => upload(`/projects/${projectId}/assets`, form, progress));
    }
  };

  const uploadVersion = (asset: Asset, file: File) => {
    const problem = checkFile(file);
    if (problem) {
      toast(problem, "bad");
      return;
    }
    const form = new FormData();
    form.append("file", file, file.name);
    track(`${asset.name} (new version)`, (progress) => upload(`/assets/${asset.id}/versions`, form, progress));
  };

  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setOver(false);
    if (e.dataTransfer.files.length) uploadFiles(e.dataTransfer.files);
  };

  return (
    <>
      <PageHeader title="Assets" subtitle="Images and copy for your ads. Every upload is reviewed before ZAMC uses it." />
      <div
        className={cx("dropzone", over && "dropzone-active")}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        data-testid="dropzone"
      >
        <p>
          <strong>Drop images or text files here</strong>
        </p>
        <p className="small muted">PNG, JPEG, GIF or WebP up to 5 MB; plain text up to 64 KB.</p>
        <Button variant="primary" onClick={() => picker.current?.click()}>
          Choose files
        </Button>
        <input
          ref={picker}
          type="file"
          accept={ACCEPT}
          multiple
          hidden
          aria-label="Upload assets"
          onChange={(e) => e.target.files && (uploadFiles(e.target.files), (e.target.value = ""))}
        />
      </div>
      {uploads.length > 0 && (
        <Card title="Uploads">
          <ul className="stack" style={{ listStyle: "none", padding: 0, margin: 0 }}>
            {uploads.map((u) => (
              <li key={u.id}>
                <div className="row" style={{ justifyContent: "space-between" }}>
                  <span>{u.name}</span>
                  <span className="small muted">{u.error ? "Failed" : u.done ? "Uploaded" : `${Math.round(u.progress * 100)}%`}</span>
                </div>
                {!u.error && <ProgressBar value={u.progress * 100} label={`Upload of ${u.name}`} />}
                {u.error && (
                  <p className="field-error" role="alert">
                    {u.error}
                  </p>
                )}
              </li>
            ))}
          </ul>
        </Card>
      )}
      <div style={{ marginTop: "1rem" }}>
        <Resource
          query={assets}
          what="Assets"
          empty={(list) =>
            list.length === 0 && (
              <Empty title="No assets yet">Upload product photos or approved copy; they can be used in your Meta ads.</Empty>
            )
          }
        >
          {(list) => (
            <div className="asset-grid">
              {list.map((a) => (
                <AssetCard key={a.id} asset={a} onUploadVersion={uploadVersion} />
              ))}
            </div>
          )}
        </Resource>
      </div>
    </>
  );
}
