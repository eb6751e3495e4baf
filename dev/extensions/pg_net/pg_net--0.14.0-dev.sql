-- DEVELOPMENT-ONLY STAND-IN for pg_net. Requests are queued in net.http_request_queue; after the
-- enqueuing transaction commits, a NOTIFY wakes dev/relay, which performs the request and stores the
-- result in net._http_response, as pg_net's background worker does. Signatures match pg_net 0.14.
\echo Use "create extension pg_net" to load this file. \quit

create schema if not exists net;

create table net.http_request_queue (
  id bigserial primary key,
  method text not null check (method in ('GET', 'POST', 'DELETE')),
  url text not null,
  headers jsonb not null default '{}',
  body bytea,
  timeout_milliseconds integer not null default 5000,
  created timestamptz not null default now()
);
comment on table net.http_request_queue is 'DEV STAND-IN: requests waiting for dev/relay (pg_net keeps the same table).';

create unlogged table net._http_response (
  id bigint,
  status_code integer,
  content_type text,
  headers jsonb,
  content text,
  timed_out boolean,
  error_msg text,
  created timestamptz not null default now()
);
create index on net._http_response (created);
comment on table net._http_response is 'DEV STAND-IN: responses of performed requests, as in pg_net.';

create function net._urlencode_params(url text, params jsonb) returns text
language sql immutable as $$
  select case when params is null or params = '{}'::jsonb then url
    else url || case when position('?' in url) > 0 then '&' else '?' end || (
      select string_agg(key || '=' || value, '&') from jsonb_each_text(params)
    ) end
$$;

create function net._enqueue(method text, url text, headers jsonb, body bytea, timeout_milliseconds integer)
returns bigint language plpgsql as $$
declare
  v_id bigint;
begin
  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values (method, url, coalesce(headers, '{}'), body, coalesce(timeout_milliseconds, 5000))
  returning id into v_id;
  -- Delivered to listeners only after commit, which is when pg_net's worker would see the row.
  perform pg_notify('pg_net_standin', v_id::text);
  return v_id;
end
$$;

create function net.http_get(
  url text,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{}'::jsonb,
  timeout_milliseconds integer default 5000
) returns bigint language sql volatile as $$
  select net._enqueue('GET', net._urlencode_params(url, params), headers, null, timeout_milliseconds)
$$;

create function net.http_post(
  url text,
  body jsonb default '{}'::jsonb,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
  timeout_milliseconds integer default 5000
) returns bigint language sql volatile as $$
  select net._enqueue('POST', net._urlencode_params(url, params), headers, convert_to(body::text, 'UTF8'),
    timeout_milliseconds)
$$;

create function net.http_delete(
  url text,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{}'::jsonb,
  timeout_milliseconds integer default 5000
) returns bigint language sql volatile as $$
  select net._enqueue('DELETE', net._urlencode_params(url, params), headers, null, timeout_milliseconds)
$$;

comment on function net.http_post(text, jsonb, jsonb, jsonb, integer) is 'DEV STAND-IN for pg_net''s http_post.';

revoke all on schema net from public;
revoke all on all tables in schema net from public;
revoke all on all functions in schema net from public;
grant usage on schema net to postgres, service_role;
grant execute on all functions in schema net to postgres, service_role;
grant select on net._http_response to postgres, service_role;
