import { lastValueFrom } from 'rxjs';
import { getBackendSrv } from '@grafana/runtime';
import pluginJson from '../plugin.json';
import { API_ROOT } from './ledgerPaths';
import { classifyFailure, getJson } from './request';
import { seg } from '../url';

// The exporter's profile API (exporter/src/profile/profileapi.ts). Reads go through the app's `api`
// route like the ledger API; a capture is a POST through its own route, `profiles`, which adds the
// exporter's token from the app's secure settings (the browser never has it).

export const CAPTURE_URL = `api/plugin-proxy/${pluginJson.id}/profiles`;

export interface ProfileRow {
  functionName: string;
  url: string;
  line: number;
  location: string;
  hotLocation?: string;
  selfMs: number;
  totalMs: number;
  selfShare: number;
  totalShare: number;
  kind: 'runtime' | 'node' | 'dependency' | 'code';
}

export interface ProfileMeta {
  id: string;
  pod: string;
  chaincode: string;
  org: string;
  seconds: number;
  heap: boolean;
  requestedAt: string;
  state: 'capturing' | 'done' | 'failed';
  startedAt?: string;
  finishedAt?: string;
  error?: string;
  bytes: number;
  report?: { durationMs: number; samples: number; busyShare: number; bySelf: ProfileRow[]; byTotal: ProfileRow[] };
}

export interface ProfileList {
  profiles: ProfileMeta[];
  limits: {
    minSeconds: number;
    maxSeconds: number;
    defaultSeconds: number;
    maxProfiles: number;
    captureEnabled: boolean;
  };
}

/** A V8 CPU profile (.cpuprofile), as the DevTools protocol's Profiler.Profile. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }>;
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export const profileApi = {
  list: () => getJson<ProfileList>(`${API_ROOT}/profiles`),
  get: (id: string) => getJson<ProfileMeta>(`${API_ROOT}/profiles/${seg(id)}`),
  cpuProfile: (id: string) => getJson<CpuProfile>(`${API_ROOT}/profiles/${seg(id)}/cpuprofile`),
  async capture(pod: string, seconds: number, heap: boolean): Promise<ProfileMeta> {
    try {
      const r = await lastValueFrom(
        getBackendSrv().fetch<ProfileMeta>({
          url: CAPTURE_URL,
          method: 'POST',
          data: { pod, seconds, heap },
          showErrorAlert: false,
          showSuccessAlert: false,
        })
      );
      return r.data;
    } catch (err) {
      throw classifyFailure(err, CAPTURE_URL);
    }
  },
};
