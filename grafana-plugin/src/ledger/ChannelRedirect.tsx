import React from 'react';
import { Navigate } from 'react-router-dom';
import { ledgerApi } from '../api/ledgerApi';
import { useLoad } from '../components/common/useLoad';
import { EmptyState, ErrorState, Loading } from '../components/common/PageStates';
import { Page } from '../components/common/Page';
import { PLUGIN_BASE_URL } from '../constants';

/** The nav entries that need a channel (blocks, keys, conflicts) open the first exported channel. */
export function ChannelRedirect({ title, suffix }: { title: string; suffix: string }) {
  const channels = useLoad(() => ledgerApi.channels(), []);
  let body: React.ReactNode;
  if (channels.state === 'loading') {
    body = <Loading what="channels" />;
  } else if (channels.state === 'error') {
    body = <ErrorState error={channels.error} what="channels" onRetry={channels.reload} />;
  } else if (channels.data.channels.length === 0) {
    body = (
      <EmptyState title="The exporter exports no channel">
        Add the channel to the exporter&apos;s configuration (<code>channels: [mychannel]</code>) and restart it.
      </EmptyState>
    );
  } else {
    const first = channels.data.channels[0]!.name;
    return <Navigate replace to={`${PLUGIN_BASE_URL}/channels/${encodeURIComponent(first)}${suffix}`} />;
  }
  return <Page title={title}>{body}</Page>;
}
