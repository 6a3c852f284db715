// Runs SQL statements with DuckDB (an independent Parquet reader and
// writer) and prints the last statement's rows as JSON, one array of
// objects: node duckdb_sql.mjs "STATEMENT" ["STATEMENT"...]
import { DuckDBInstance } from '@duckdb/node-api';

const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const statements = process.argv.slice(2);
let rows = [];
for (const sql of statements) {
  const reader = await connection.runAndReadAll(sql);
  rows = reader.getRowObjectsJson();
}
process.stdout.write(JSON.stringify(rows));
