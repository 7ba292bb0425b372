// Clustering of map pins with supercluster: a cluster carries the worst status of its members, so a
// single alarm is never hidden inside a green cluster. Pure (no Leaflet, no DOM).
import Supercluster from 'supercluster';
import { worstStatus, type PinStatus } from './status.ts';

export interface Pin {
  id: string;
  name: string;
  lat: number;
  lon: number;
  status: PinStatus;
}

interface Props {
  id: string;
  name: string;
  status: PinStatus;
}

export type ClusterItem =
  | { kind: 'pin'; id: string; name: string; lat: number; lon: number; status: PinStatus }
  | { kind: 'cluster'; clusterId: number; count: number; lat: number; lon: number; status: PinStatus };

export class PinIndex {
  private readonly index: Supercluster<Props, { status: PinStatus }>;
  readonly size: number;

  constructor(pins: Pin[]) {
    this.index = new Supercluster<Props, { status: PinStatus }>({
      radius: 60,
      maxZoom: 16,
      map: (p) => ({ status: p.status }),
      reduce: (acc, p) => {
        acc.status = worstStatus(acc.status, p.status);
      },
    });
    this.index.load(pins.map((p) => ({ type: 'Feature', properties: { id: p.id, name: p.name, status: p.status }, geometry: { type: 'Point', coordinates: [p.lon, p.lat] } })));
    this.size = pins.length;
  }

  /** What to draw for a view: bbox [west, south, east, north] at a zoom level. */
  items(bbox: [number, number, number, number], zoom: number): ClusterItem[] {
    return this.index.getClusters(bbox, Math.round(zoom)).map((f) => {
      const [lon, lat] = f.geometry.coordinates as [number, number];
      const p = f.properties as Props & { cluster?: boolean; cluster_id?: number; point_count?: number; status: PinStatus };
      return p.cluster
        ? { kind: 'cluster', clusterId: p.cluster_id!, count: p.point_count!, lat, lon, status: p.status }
        : { kind: 'pin', id: p.id, name: p.name, lat, lon, status: p.status };
    });
  }

  expansionZoom(clusterId: number): number {
    return this.index.getClusterExpansionZoom(clusterId);
  }
}
