import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEVICE_STATE_KEY } from '../../src/aws/dynamodb-device-state';

// dynalite ships no types: a function returning an http.Server that speaks the DynamoDB API.
const dynalite = createRequire(__filename)('dynalite') as (options: { createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;

export interface DynaliteServer {
  client: DynamoDBClient;
  endpoint: string;
  /** A fresh device-state table (on-demand, key `pk`); returns its name. */
  createDeviceStateTable(): Promise<string>;
  close(): Promise<void>;
}

let tables = 0;

/** A DynamoDB-API server (dynalite, in memory) on 127.0.0.1 and a client for it. */
export async function startDynalite(): Promise<DynaliteServer> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  return {
    client, endpoint,
    async createDeviceStateTable() {
      const name = `device-state-${++tables}`;
      await client.send(new CreateTableCommand({
        TableName: name, BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: DEVICE_STATE_KEY, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: DEVICE_STATE_KEY, KeyType: 'HASH' }],
      }));
      return name;
    },
    async close() {
      client.destroy();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
