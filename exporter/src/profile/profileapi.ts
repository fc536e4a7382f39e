import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { CaptureBusyError, CaptureRequestError, PROFILE_LIMITS, type CaptureOptions, type CapturedProfile, captureProfile, checkSeconds } from './capture';
import { InspectorError, loopbackAddress } from './inspectorsession';
import { profileReport } from './profilereport';
import { type ProfileMeta, ProfileStore } from './profilestore';

// The exporter's profile API, beside the ledger API under /api/v1:
//   POST /api/v1/profiles {pod, seconds?, heap?}   start a capture of one chaincode pod (202; poll its GET)
//   GET  /api/v1/profiles                           the profiles kept, newest first
//   GET  /api/v1/profiles/{id}                      one: its state, and when done its top functions
//   GET  /api/v1/profiles/{id}/cpuprofile           the CPU profile (.cpuprofile JSON)
//   GET  /api/v1/profiles/{id}/heapprofile          the sampling heap profile, if asked for
// Only the Mictract app's data-proxy route may POST: it adds the header X-Mictract-Profile-Token from
// the app's secure settings, which browsers never see; the exporter compares it with the token in its
// profileTokenFile. Without that file, capture is off. Captures are bounded in time (1-60 s), one at a
// time per pod (here, and in the replica itself against any other capturer), at most
// MAX_CONCURRENT_CAPTURES in all, and kept in a bounded store.

export const PROFILE_TOKEN_HEADER = 'x-mictract-profile-token';
const MAX_CONCURRENT_CAPTURES = 4;
const MAX_BODY_BYTES = 4096;
const ID = /^[0-9a-f]{16}$/;
const POD = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

export interface ProfileApiOptions {
  /** The pods file the ledger API reads (the local target writes it; each pod with an `inspector` can be profiled). */
  readonly podsFile?: string;
  /** The token the app's route sends; undefined: capture is off. */
  readonly token?: string;
  readonly store?: ProfileStore;
  /** Injected by tests. */
  readonly capture?: (address: string, opts: CaptureOptions) => Promise<CapturedProfile>;
  readonly now?: () => Date;
}

export interface ProfileRequest {
  readonly method: string;
  /** Path and query, starting with /api/v1/profiles. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body?: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface Pod {
  readonly name: string;
  readonly chaincode: string;
  readonly org: string;
  readonly inspector?: string;
}

export class ProfileApi {
  readonly store: ProfileStore;
  private readonly capturing = new Map<string, string>(); // pod -> profile id
  private readonly capture: NonNullable<ProfileApiOptions['capture']>;
  private readonly now: () => Date;

  constructor(private readonly opts: ProfileApiOptions) {
    this.store = opts.store ?? new ProfileStore();
    this.capture = opts.capture ?? captureProfile;
    this.now = opts.now ?? (() => new Date());
  }

  /** Answers one request; never throws. */
  async handle(req: ProfileRequest): Promise<{ status: number; body: unknown }> {
    try {
      const parts = req.url.split('?')[0]!.split('/').filter(Boolean).slice(3); // after api, v1, profiles
      if (req.method === 'POST' && parts.length === 0) return await this.start(req);
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'profiles: GET to read them; POST /api/v1/profiles to capture one');
      if (parts.length === 0) return { status: 200, body: { profiles: this.store.list(), limits: this.limits() } };
      const id = parts[0]!;
      if (!ID.test(id)) throw new HttpError(400, `profile id must be 16 hex characters (got ${JSON.stringify(id.slice(0, 40))})`);
      const entry = this.store.get(id);
      if (!entry) throw new HttpError(404, `no profile ${id}: it may have been evicted (the exporter keeps the ${this.store.maxProfiles} newest)`);
      if (parts.length === 1) return { status: 200, body: { ...entry.meta, ...(entry.report ? { report: entry.report } : {}) } };
      if (parts.length === 2 && parts[1] === 'cpuprofile') {
        if (!entry.cpu) throw new HttpError(404, `profile ${id} has no CPU profile (${entry.meta.state})`);
        return { status: 200, body: entry.cpu };
      }
      if (parts.length === 2 && parts[1] === 'heapprofile') {
        if (!entry.heapProfile) throw new HttpError(404, `profile ${id} has no heap profile (${entry.meta.heap ? entry.meta.state : 'not asked for'})`);
        return { status: 200, body: entry.heapProfile };
      }
      throw new HttpError(404, 'not found; see GET /api/v1/profiles');
    } catch (err) {
      if (err instanceof HttpError) return { status: err.status, body: { error: err.message } };
      return { status: 500, body: { error: 'internal error' } };
    }
  }

  private limits() {
    return { minSeconds: PROFILE_LIMITS.minSeconds, maxSeconds: PROFILE_LIMITS.maxSeconds, defaultSeconds: PROFILE_LIMITS.defaultSeconds, maxProfiles: this.store.maxProfiles, captureEnabled: this.opts.token !== undefined };
  }

  private authorize(headers: ProfileRequest['headers']): void {
    if (this.opts.token === undefined) {
      throw new HttpError(403, 'profile capture is off in this exporter: give it a profileTokenFile (mictract up does for the local target) and the same token to the Mictract app (secure setting profileToken)');
    }
    const sent = headers[PROFILE_TOKEN_HEADER];
    const given = Buffer.from(typeof sent === 'string' ? sent : '');
    const want = Buffer.from(this.opts.token);
    if (given.length !== want.length || !timingSafeEqual(given, want)) {
      throw new HttpError(403, "only the Mictract app's data-proxy route may capture profiles (its X-Mictract-Profile-Token header is missing or wrong)");
    }
  }

  private async start(req: ProfileRequest): Promise<{ status: number; body: unknown }> {
    this.authorize(req.headers);
    if ((req.body ?? '').length > MAX_BODY_BYTES) throw new HttpError(413, `the request body is over ${MAX_BODY_BYTES} bytes`);
    let body: { pod?: unknown; seconds?: unknown; heap?: unknown };
    try {
      body = JSON.parse(req.body || '{}') as typeof body;
    } catch {
      throw new HttpError(400, 'the body must be JSON: {"pod": "<name>", "seconds": 10, "heap": false}');
    }
    if (typeof body !== 'object' || body === null || typeof body.pod !== 'string' || !POD.test(body.pod)) throw new HttpError(400, 'pod: the name of a chaincode pod (see GET /api/v1/pods)');
    const seconds = body.seconds === undefined ? PROFILE_LIMITS.defaultSeconds : body.seconds;
    try {
      checkSeconds(typeof seconds === 'number' ? seconds : NaN);
    } catch (err) {
      if (err instanceof CaptureRequestError) throw new HttpError(400, `seconds: ${err.message}`);
      throw err;
    }
    if (body.heap !== undefined && typeof body.heap !== 'boolean') throw new HttpError(400, 'heap: true or false');
    const pod = await this.findPod(body.pod);
    if (!pod.inspector) throw new HttpError(409, `pod ${pod.name} runs without its Node.js inspector: profiling is off for chaincode ${pod.chaincode}; add profile: true to its entry in the network spec and run mictract up again`);
    try {
      loopbackAddress(pod.inspector);
    } catch (err) {
      throw new HttpError(409, (err as Error).message);
    }
    const running = this.capturing.get(pod.name);
    if (running) throw new HttpError(409, `a profile of pod ${pod.name} is being captured already (profile ${running}); one capture at a time per pod: wait for it to finish`);
    if (this.capturing.size >= MAX_CONCURRENT_CAPTURES) throw new HttpError(429, `${this.capturing.size} captures are running; at most ${MAX_CONCURRENT_CAPTURES} at a time: try again when one has finished`);
    const meta: ProfileMeta = {
      id: randomBytes(8).toString('hex'),
      pod: pod.name,
      chaincode: pod.chaincode,
      org: pod.org,
      seconds: seconds as number,
      heap: body.heap === true,
      requestedAt: this.now().toISOString(),
      state: 'capturing',
      bytes: 0,
    };
    this.capturing.set(pod.name, meta.id);
    this.store.add(meta);
    // started: the capture holds the replica's lock (a busy replica fails the profile at once)
    let started!: () => void;
    const running2 = new Promise<void>((resolve) => (started = resolve));
    const done = this.capture(pod.inspector, { seconds: meta.seconds, heap: meta.heap, by: `the exporter (profile ${meta.id})`, onStarted: () => started() }).then(
      (p) => {
        const cpuText = JSON.stringify(p.cpu);
        const bytes = cpuText.length + (p.heap ? JSON.stringify(p.heap).length : 0);
        meta.startedAt = p.startedAt;
        this.store.finish(meta.id, { cpu: p.cpu, ...(p.heap ? { heapProfile: p.heap } : {}), report: profileReport(p.cpu, { limit: 50 }) }, bytes, this.now());
      },
      (err: Error) => this.store.fail(meta.id, err instanceof CaptureBusyError || err instanceof InspectorError ? err.message : `capture failed: ${err.message}`, this.now()),
    );
    void done.finally(() => {
      this.capturing.delete(pod.name);
      started();
    });
    // answer once it runs or has failed, so a refusal by the replica is seen in this answer
    await Promise.race([running2, done]);
    if (meta.state === 'failed') {
      const busy = meta.error?.includes('being captured already');
      throw new HttpError(busy ? 409 : 502, meta.error ?? 'capture failed');
    }
    return { status: 202, body: meta };
  }

  private async findPod(name: string): Promise<Pod> {
    if (!this.opts.podsFile) throw new HttpError(404, `no pod ${name}: this exporter has no pods file`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(this.opts.podsFile, 'utf8'));
    } catch {
      throw new HttpError(502, 'the pods file cannot be read');
    }
    const list = Array.isArray(parsed) ? parsed : (parsed as { pods?: unknown })?.pods;
    const pod = Array.isArray(list) ? (list as Pod[]).find((p) => p && typeof p === 'object' && p.name === name) : undefined;
    if (!pod) throw new HttpError(404, `no chaincode pod named ${name} (see GET /api/v1/pods)`);
    return pod;
  }
}
