// api-endpoint: the thin adapter between an `http in` node and one operation of the API registry
// (runtime/api/registry.ts). It authorises, validates, runs and answers through the `http response`
// node: msg.statusCode, msg.headers and msg.payload. Loading this package also mounts the API's host
// routes (body limits, CORS, OpenAPI, docs, SSE stream) on Node-RED's httpNode unless the host did.
import type { Express, Request } from 'express';
import type { NodeRedApi, RuntimeNode } from '../../runtime/node-red/node-api.ts';
import { heatgridServices } from '../../runtime/services.ts';
import { callerOf } from '../../runtime/http/auth-middleware.ts';
import { runOperation, errorResponse } from '../../runtime/api/dispatch.ts';
import { apiHostRouter, apiHostRoutesMounted } from '../../runtime/api/host-routes.ts';
import { allOperations, findOperation } from '../../runtime/api/registry.ts';
import { API_BASE, ApiError } from '../../runtime/api/operation.ts';

interface ApiEndpointConfig {
  name?: string;
  operation?: string;
}

export default function apiEndpointNode(RED: NodeRedApi & { httpNode: Express }): void {
  if (!apiHostRoutesMounted()) RED.httpNode.use(API_BASE, apiHostRouter(heatgridServices));

  RED.httpAdmin.get('/heatgrid/api-operations', RED.auth.needsPermission('flows.read'), (_req, res) => {
    res.json(allOperations().map((op) => ({ id: op.id, method: op.method, path: op.path, summary: op.summary, scope: op.scope })));
  });

  RED.nodes.registerType('api-endpoint', function (this: RuntimeNode, config: ApiEndpointConfig) {
    RED.nodes.createNode(this, config as Record<string, unknown>);
    const node = this;
    const operationId = String(config.operation ?? '');
    const op = findOperation(operationId);
    node.status(op ? { fill: 'grey', shape: 'dot', text: `${op.method} ${op.id}` } : { fill: 'red', shape: 'ring', text: RED._('api-endpoint.status.unknown', { operation: operationId }) });
    let handled = 0;
    let refused = 0;

    node.on('input', (msg, send, done) => {
      const req = msg.req as (Request & { _body?: boolean }) | undefined;
      const answer = (r: { status: number; headers: Record<string, string>; body: unknown }) => {
        msg.statusCode = r.status;
        msg.headers = { ...((msg.headers as Record<string, string> | undefined) ?? {}), ...r.headers };
        msg.payload = r.body;
        if (r.status >= 400) refused++;
        else handled++;
        node.status({ fill: r.status >= 500 ? 'red' : 'green', shape: 'dot', text: `${op?.id ?? operationId}: ${handled} ok · ${refused} refused` });
        send(msg);
        done();
      };
      const current = findOperation(operationId);
      if (!current) return answer(errorResponse(new ApiError(500, 'unknown_operation', `this endpoint names no API operation ("${operationId}"); fix the api-endpoint node`)));
      let services;
      try {
        services = heatgridServices();
      } catch {
        return answer(errorResponse(new ApiError(503, 'not_ready', 'the runtime services are not running', undefined, { 'Retry-After': '5' })));
      }
      const method = String(req?.method ?? current.method).toUpperCase();
      runOperation(
        current,
        {
          params: (req?.params ?? {}) as Record<string, unknown>,
          query: (req?.query ?? {}) as Record<string, unknown>,
          headers: req?.headers ?? {},
          body: method === 'GET' || method === 'HEAD' ? undefined : msg.payload,
          caller: req ? callerOf(req) : null,
        },
        services,
      ).then(answer, (err: Error) => done(err));
    });
  });
}
