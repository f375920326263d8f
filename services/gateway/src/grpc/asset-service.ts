// kiln.v1.AssetService over AssetQueries. The domain does not keep descriptions or count signals, so
// `description` is empty and `signal_count` 0 in answers, and UpsertAsset ignores the description.
import { api, numberProblem } from '@kiln/contracts';
import type { Asset, AssetNode } from '../domain/assets';
import { MAX_CYCLE_TIME_S } from '../domain/input-rules';
import { ApiError, invalidArgument } from '../errors';
import { unary, type GrpcHandlerContext } from './call';
import type { FieldNames } from './field-names';
import {
  dataTypeOf,
  levelEnumOf,
  levelOf,
  nextPageTokenOf,
  pageRequestOf,
  principalForSite,
} from './convert';

export function assetMessageOf(asset: Asset): api.Asset {
  return {
    id: asset.id,
    name: asset.name,
    level: levelEnumOf(asset.level),
    parentId: asset.parentId ?? '',
    type: asset.type,
    description: '',
    defaultIdealCycleTimeS: asset.settings.defaultIdealCycleTimeS,
    microStopThresholdS: asset.settings.microStopThresholdS,
    signalCount: 0,
    timeZone: asset.timeZone,
  };
}

/** A node and `depth` levels below it (0: every level). */
function treeNodeOf(node: AssetNode, depth: number, below = 0): api.AssetTreeNode {
  const expand = depth === 0 || below < depth;
  return {
    asset: assetMessageOf(node),
    children: expand ? node.children.map((child) => treeNodeOf(child, depth, below + 1)) : [],
    hasMoreChildren: !expand && node.children.length > 0,
  };
}

/** A settings value of UpsertAsset: absent, or a finite number of seconds from 0 to a day (as REST). */
function secondsOf(field: string, value: number | undefined): number | undefined {
  const problem = value === undefined ? undefined : numberProblem(value, { min: 0, max: MAX_CYCLE_TIME_S });
  if (problem !== undefined) throw invalidArgument(field, `${problem} (seconds)`);
  return value;
}

/** UpsertAsset's request holds the asset as a message: the domain's id, level and settings are inside it. */
const UPSERT_FIELDS: FieldNames = {
  assetId: 'asset.id',
  level: 'asset.level',
  'settings.defaultIdealCycleTimeS': 'asset.default_ideal_cycle_time_s',
  'settings.microStopThresholdS': 'asset.micro_stop_threshold_s',
  timeZone: 'asset.time_zone',
};

export function assetService(context: GrpcHandlerContext): api.AssetServiceServer {
  const { api: gateway } = context;
  return {
    getAssetTree: unary(
      context,
      'GetAssetTree',
      async (request: api.GetAssetTreeRequest, principal) => {
        const roots = await gateway.assets.tree(
          principal,
          request.rootAssetId === '' ? undefined : request.rootAssetId,
        );
        return { roots: roots.map((root) => treeNodeOf(root, request.depth)) };
      },
      { assetId: 'root_asset_id' },
    ),

    getAsset: unary(context, 'GetAsset', async (request: api.GetAssetRequest, principal) => ({
      asset: assetMessageOf(await gateway.assets.get(principal, request.assetId)),
    })),

    listAssets: unary(context, 'ListAssets', async (request: api.ListAssetsRequest, principal) => {
      const level = levelOf('level', request.level);
      const page = await gateway.assets.list(principalForSite(principal, 'site_id', request.siteId), {
        ...pageRequestOf(request),
        ...(level === undefined ? {} : { level }),
        ...(request.parentId === '' ? {} : { parentId: request.parentId }),
      });
      return { assets: page.items.map(assetMessageOf), nextPageToken: nextPageTokenOf(page) };
    }),

    listSignals: unary(context, 'ListSignals', async (request: api.ListSignalsRequest, principal) => {
      const page = await gateway.assets.signals(principal, request.assetId, pageRequestOf(request));
      return {
        signals: page.items.map((signal) => ({
          assetId: signal.assetId,
          name: signal.name,
          unit: signal.unit,
          dataType: dataTypeOf(signal.dataType),
          description: signal.description,
        })),
        nextPageToken: nextPageTokenOf(page),
      };
    }),

    upsertAsset: unary(
      context,
      'UpsertAsset',
      async (request: api.UpsertAssetRequest, principal) => {
        const asset = request.asset;
        if (asset === undefined) throw invalidArgument('asset', 'is required');
        const level = levelOf('asset.level', asset.level);
        if (level === undefined) throw invalidArgument('asset.level', 'is required');
        // The domain derives the parent from the id (a path); a parent_id sent must agree with it.
        const parentId = asset.id.includes('/') ? asset.id.slice(0, asset.id.lastIndexOf('/')) : '';
        if (asset.parentId !== '' && asset.parentId !== parentId) {
          throw invalidArgument(
            'asset.parent_id',
            `must be "${parentId}", the id without its last part (or empty)`,
          );
        }
        const idealCycleTimeS = secondsOf('asset.default_ideal_cycle_time_s', asset.defaultIdealCycleTimeS);
        const microStopThresholdS = secondsOf('asset.micro_stop_threshold_s', asset.microStopThresholdS);
        const existed = await gateway.assets.get(principal, asset.id).then(
          () => true,
          (error: unknown) => {
            if (error instanceof ApiError && error.kind === 'not-found') return false;
            throw error;
          },
        );
        const stored = await gateway.assets.upsert(principal, asset.id, {
          name: asset.name,
          level,
          type: asset.type,
          settings: {
            ...(idealCycleTimeS === undefined ? {} : { defaultIdealCycleTimeS: idealCycleTimeS }),
            ...(microStopThresholdS === undefined ? {} : { microStopThresholdS }),
          },
          ...(asset.timeZone === undefined ? {} : { timeZone: asset.timeZone }),
        });
        return { asset: assetMessageOf(stored), created: !existed };
      },
      UPSERT_FIELDS,
    ),
  };
}
