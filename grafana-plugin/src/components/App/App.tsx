import React, { Suspense, lazy } from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import type { AppRootProps } from '@grafana/data';
import { LoadingPlaceholder } from '@grafana/ui';
import type { MictractSettings } from '../../settings';
import { SettingsProvider } from '../common/SettingsContext';
import { ChannelRedirect } from '../../ledger/ChannelRedirect';
import { PLUGIN_BASE_URL } from '../../constants';

const ChannelOverview = lazy(() => import('../../ledger/ChannelOverview/ChannelOverview'));
const BlockList = lazy(() => import('../../ledger/Blocks/BlockList'));
const BlockDetail = lazy(() => import('../../ledger/Blocks/BlockDetail'));
const TransactionDetail = lazy(() => import('../../ledger/Transaction/TransactionDetail'));
const Search = lazy(() => import('../../ledger/Search/Search'));
const KeyHistory = lazy(() => import('../../ledger/KeyHistory/KeyHistory'));
const Conflicts = lazy(() => import('../../ledger/Conflicts/Conflicts'));
const Certificates = lazy(() => import('../../ledger/Certificates/Certificates'));
const ChaincodePods = lazy(() => import('../../pods/ChaincodePods/ChaincodePods'));
const ProfilePage = lazy(() => import('../../profile/Profile/ProfilePage'));

/** The app's routes, relative to /a/mictract-app (see paths.ts for the URLs built from them). */
export function AppRoutes() {
  return (
    <Suspense fallback={<LoadingPlaceholder text="Loading…" />}>
      <Routes>
        <Route path="channels" element={<ChannelRedirect title="Channel overview" suffix="" />} />
        <Route path="channels/:channel" element={<ChannelOverview />} />
        <Route path="channels/:channel/blocks" element={<BlockList />} />
        <Route path="channels/:channel/blocks/:number" element={<BlockDetail />} />
        <Route path="channels/:channel/transactions/:txId" element={<TransactionDetail />} />
        <Route path="transactions/:txId" element={<TransactionDetail />} />
        <Route path="channels/:channel/keys" element={<KeyHistory />} />
        <Route path="channels/:channel/conflicts" element={<Conflicts />} />
        <Route path="blocks" element={<ChannelRedirect title="Blocks" suffix="/blocks" />} />
        <Route path="keys" element={<ChannelRedirect title="Key history" suffix="/keys" />} />
        <Route path="conflicts" element={<ChannelRedirect title="Top conflicting keys" suffix="/conflicts" />} />
        <Route path="search" element={<Search />} />
        <Route path="certificates" element={<Certificates />} />
        <Route path="pods" element={<ChaincodePods />} />
        <Route path="profile" element={<ProfilePage />} />
        <Route path="*" element={<Navigate replace to={`${PLUGIN_BASE_URL}/channels`} />} />
      </Routes>
    </Suspense>
  );
}

function App(props: AppRootProps<MictractSettings>) {
  return (
    <SettingsProvider settings={props.meta.jsonData ?? {}}>
      <AppRoutes />
    </SettingsProvider>
  );
}

export default App;
