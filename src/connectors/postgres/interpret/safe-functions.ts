import type { FuncCall } from 'libpg-query';
import { findNodes, namesOf } from './ast.ts';

/**
 * Built-in functions that neither change state nor run SQL given as text, so calling them in a
 * query cannot change who reads what. Anything else a statement calls (user functions, which may
 * GRANT as their owner; `set_config`; `query_to_xml`, which runs its argument; `dblink`;
 * `pg_read_file`; large objects…) makes the statement opaque.
 */
const SAFE = new Set(
  `
  abs acos asin atan atan2 cbrt ceil ceiling cos cot degrees div exp factorial floor gcd lcm ln log log10 mod pi power radians
  random round scale sign sin sqrt tan trunc width_bucket greatest least nullif coalesce num_nonnulls num_nulls
  ascii bit_length btrim char_length character_length chr concat concat_ws format initcap left length lower lpad ltrim md5
  octet_length overlay position quote_ident quote_literal quote_nullable regexp_count regexp_instr regexp_like regexp_match
  regexp_matches regexp_replace regexp_split_to_array regexp_split_to_table repeat replace reverse right rpad rtrim split_part
  starts_with string_to_array string_to_table strpos substr substring to_ascii to_hex translate trim unistr upper encode decode
  sha224 sha256 sha384 sha512 normalize casefold
  age clock_timestamp current_date current_time current_timestamp date_add date_bin date_part date_subtract date_trunc extract
  isfinite justify_days justify_hours justify_interval localtime localtimestamp make_date make_interval make_time
  make_timestamp make_timestamptz now statement_timestamp timeofday transaction_timestamp to_timestamp to_char to_date
  to_number timezone
  array_agg array_append array_cat array_dims array_fill array_length array_lower array_ndims array_position array_positions
  array_prepend array_remove array_replace array_to_string array_upper cardinality trim_array unnest array_sample array_shuffle
  avg bit_and bit_or bool_and bool_or count every max min sum string_agg json_agg jsonb_agg json_object_agg jsonb_object_agg
  stddev stddev_pop stddev_samp variance var_pop var_samp corr covar_pop covar_samp mode percentile_cont percentile_disc
  rank dense_rank percent_rank cume_dist ntile row_number lag lead first_value last_value nth_value any_value
  to_json to_jsonb json_build_array jsonb_build_array json_build_object jsonb_build_object json_object jsonb_object
  json_array_elements jsonb_array_elements json_array_elements_text jsonb_array_elements_text json_array_length
  jsonb_array_length json_each jsonb_each json_each_text jsonb_each_text json_extract_path jsonb_extract_path
  json_extract_path_text jsonb_extract_path_text json_object_keys jsonb_object_keys json_typeof jsonb_typeof
  jsonb_set jsonb_insert jsonb_strip_nulls json_strip_nulls jsonb_pretty jsonb_path_query jsonb_path_exists
  jsonb_path_match jsonb_path_query_array jsonb_path_query_first row_to_json array_to_json
  generate_series generate_subscripts gen_random_uuid uuidv4 uuidv7
  current_database current_schema current_schemas current_user current_role session_user user version
  current_setting pg_backend_pid inet_client_addr inet_server_addr pg_postmaster_start_time pg_conf_load_time
  has_any_column_privilege has_column_privilege has_database_privilege has_foreign_data_wrapper_privilege
  has_function_privilege has_language_privilege has_parameter_privilege has_schema_privilege has_sequence_privilege
  has_server_privilege has_table_privilege has_tablespace_privilege has_type_privilege pg_has_role row_security_active
  acldefault aclexplode makeaclitem obj_description col_description shobj_description format_type pg_typeof
  pg_get_viewdef pg_get_functiondef pg_get_function_arguments pg_get_function_identity_arguments
  pg_get_function_result pg_get_indexdef pg_get_constraintdef pg_get_expr pg_get_userbyid pg_get_triggerdef
  pg_get_ruledef pg_get_serial_sequence pg_get_keywords pg_table_is_visible pg_type_is_visible pg_function_is_visible
  pg_relation_size pg_total_relation_size pg_table_size pg_indexes_size pg_database_size pg_size_pretty
  pg_column_size pg_encoding_to_char to_regclass to_regrole to_regproc to_regtype to_regnamespace
  text int2 int4 int8 float4 float8 numeric bool date time timestamp timestamptz interval varchar bpchar
  `
    .split(/\s+/)
    .filter((name) => name !== ''),
);

/** The functions a node tree calls that are not known to be harmless, by name. */
export function unsafeCalls(root: unknown): string[] {
  const unsafe = new Set<string>();
  for (const { value } of findNodes(root, new Set(['FuncCall']))) {
    const parts = namesOf((value as FuncCall).funcname);
    const name = parts[parts.length - 1] ?? '';
    const schema = parts.length > 1 ? parts[parts.length - 2] : undefined;
    if (!SAFE.has(name) || (schema !== undefined && schema !== 'pg_catalog')) unsafe.add(parts.join('.'));
  }
  return [...unsafe].sort();
}
