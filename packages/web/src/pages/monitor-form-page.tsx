import { dnsRecordTypes, httpMethods, monitorInputSchema } from '@tocsin/protocol';
import { Field, type FormState } from '../components/form.js';
import { NamedForm, NamedFormPage, useNamedForm } from '../components/named-form.js';
import type { Monitor } from '../core/api-types.js';
import {
  type MonitorFormValues,
  monitorBody,
  monitorFieldOf,
  monitorFormInitial,
  monitorValues,
} from './monitor-form-values.js';

type F = FormState<MonitorFormValues>;

const typeOptions = [
  { value: 'http', label: 'HTTP(S): a URL answers' },
  { value: 'tcp', label: 'TCP: a port accepts connections' },
  { value: 'dns', label: 'DNS: a name resolves' },
  { value: 'tls', label: 'TLS: a certificate is valid' },
  { value: 'object', label: 'Object: a file or S3 object is there in time' },
];

function HttpFields({ form }: { form: F }) {
  const auth = form.values.authType;
  return (
    <fieldset>
      <legend>HTTP</legend>
      <Field form={form} name="url" label="URL" type="url" required />
      <div class="form-grid">
        <Field form={form} name="method" label="Method" type="select" options={httpMethods} />
        <Field
          form={form}
          name="expectedStatus"
          label="Expected status"
          hint="Codes or ranges, comma-separated: 200-299, 301"
        />
        <Field form={form} name="maxResponseTimeMs" label="Slowest answer (ms)" inputMode="numeric" />
        <Field form={form} name="certExpiryWarningDays" label="Warn days before the certificate expires" />
      </div>
      <Field
        form={form}
        name="headers"
        label="Request headers"
        type="textarea"
        rows={2}
        hint="One a line: Name: value"
      />
      <Field form={form} name="body" label="Request body" type="textarea" rows={2} />
      <Field
        form={form}
        name="authType"
        label="Authentication"
        type="select"
        options={[
          { value: '', label: 'None' },
          { value: 'basic', label: 'Basic (user name and password)' },
          { value: 'bearer', label: 'Bearer token' },
        ]}
      />
      {auth === 'basic' && (
        <div class="form-grid">
          <Field form={form} name="username" label="User name" autoComplete="off" />
          <Field form={form} name="password" label="Password" type="password" autoComplete="new-password" />
        </div>
      )}
      {auth === 'bearer' && <Field form={form} name="token" label="Token" type="password" autoComplete="off" />}
      <div class="form-grid">
        <Field form={form} name="bodyContains" label="Body contains" />
        <Field form={form} name="bodyMatches" label="Body matches (regular expression)" />
        <Field form={form} name="jsonPath" label="JSON path" placeholder="$.status" />
        <Field form={form} name="jsonEquals" label="JSON value equals" placeholder='"ok"' hint="A JSON value" />
      </div>
      <Field form={form} name="followRedirects" label="Follow redirects" type="checkbox" />
      <Field form={form} name="verifyTls" label="Verify the TLS certificate" type="checkbox" />
    </fieldset>
  );
}

function HostFields({ form, tls }: { form: F; tls: boolean }) {
  return (
    <fieldset>
      <legend>{tls ? 'TLS' : 'TCP'}</legend>
      <div class="form-grid">
        <Field form={form} name="host" label="Host" required hint="A host name or IP address, without the port" />
        <Field
          form={form}
          name="port"
          label="Port"
          inputMode="numeric"
          required={!tls}
          hint={tls ? '443 by default' : undefined}
        />
      </div>
      {tls && (
        <>
          <div class="form-grid">
            <Field form={form} name="servername" label="Server name (SNI)" hint="The host by default" />
            <Field form={form} name="minDaysLeft" label="Down when fewer days are left" inputMode="numeric" />
          </div>
          <Field form={form} name="verifyTls" label="Verify the certificate chain" type="checkbox" />
        </>
      )}
    </fieldset>
  );
}

function DnsFields({ form }: { form: F }) {
  return (
    <fieldset>
      <legend>DNS</legend>
      <div class="form-grid">
        <Field form={form} name="query" label="Domain name" required placeholder="example.com" />
        <Field form={form} name="recordType" label="Record type" type="select" options={dnsRecordTypes} />
        <Field form={form} name="resolver" label="Resolver" placeholder="1.1.1.1" hint="The system's by default" />
      </div>
      <Field
        form={form}
        name="expected"
        label="Expected answers"
        hint="Comma-separated; each must be among the answers. Empty: any answer."
      />
    </fieldset>
  );
}

function ObjectFields({ form }: { form: F }) {
  const file = form.values.objectWhere === 'file';
  return (
    <fieldset>
      <legend>Object</legend>
      <Field
        form={form}
        name="objectWhere"
        label="Where"
        type="select"
        options={[
          { value: 's3', label: 'An object in S3-compatible storage' },
          { value: 'file', label: "A file on the server's disk" },
        ]}
      />
      {file ? (
        <Field
          form={form}
          name="objectPath"
          label="Path"
          required
          placeholder="/var/batch/{date:YYYY-MM-DD}.done"
          hint="{date:YYYY-MM-DD} is the date of the cron time, in the time zone below"
        />
      ) : (
        <>
          <div class="form-grid">
            <Field form={form} name="bucket" label="Bucket" required />
            <Field
              form={form}
              name="key"
              label="Key"
              required
              placeholder="{date:YYYY-MM-DD}/evidence.txt"
              hint="Under the prefix; {date:…} is the date of the cron time"
            />
            <Field form={form} name="prefix" label="Prefix" hint="Without a leading /" />
            <Field form={form} name="region" label="Region" placeholder="us-east-1" />
            <Field
              form={form}
              name="endpoint"
              label="Endpoint"
              type="url"
              hint="Another S3-compatible service; AWS when empty"
            />
            <Field form={form} name="profile" label="AWS profile" hint="The usual AWS chain when empty" />
            <Field form={form} name="accessKeyId" label="Access key id" autoComplete="off" />
            <Field
              form={form}
              name="secretAccessKey"
              label="Secret access key"
              type="password"
              autoComplete="new-password"
              hint="${VAR} reads it from the environment"
            />
          </div>
          <Field
            form={form}
            name="pathStyle"
            label="Path-style addressing (most self-hosted services)"
            type="checkbox"
          />
        </>
      )}
      <div class="form-grid">
        <Field form={form} name="objectTimezone" label="Time zone" hint="IANA, such as Asia/Tokyo" />
        <Field
          form={form}
          name="cron"
          label="Due (cron)"
          placeholder="0 9 * * *"
          hint="Checked at every interval when empty"
        />
        <Field form={form} name="deadline" label="Deadline after the cron time" placeholder="30m" />
        <Field form={form} name="maxAge" label="Down when older than" placeholder="25h" />
        <Field form={form} name="minSize" label="Down when smaller than (bytes)" inputMode="numeric" />
      </div>
    </fieldset>
  );
}

/** Agents (by tag) the monitor is also checked from, and how many failing locations make a check fail. */
function LocationFields({ form }: { form: F }) {
  return (
    <fieldset>
      <legend>Locations</legend>
      <Field
        form={form}
        name="locationAgents"
        label="Also check from agents with tags"
        placeholder="role=edge, region=eu|us"
        hint="Agents started with --allow-probes; the server only when empty"
      />
      {form.values.locationAgents.trim() !== '' && (
        <div class="form-grid">
          <Field
            form={form}
            name="locationQuorum"
            label="Down when this many locations fail"
            placeholder="a majority"
            hint="A number, or a share such as 60%"
          />
          <Field form={form} name="locationServer" label="The server checks too" type="checkbox" />
        </div>
      )}
    </fieldset>
  );
}

const kind = { noun: 'monitor', base: '/monitors' };

function MonitorForm({ existing }: { existing?: Monitor }) {
  const form = useNamedForm(kind, existing, {
    initial: existing ? monitorValues(existing) : monitorFormInitial,
    schema: monitorInputSchema,
    toBody: monitorBody,
    fieldOf: monitorFieldOf,
  });
  const type = form.values.type;
  return (
    <NamedForm
      kind={kind}
      form={form}
      existing={existing}
      head={<Field form={form} name="type" label="Type" type="select" options={typeOptions} />}
    >
      {type === 'http' && <HttpFields form={form} />}
      {(type === 'tcp' || type === 'tls') && <HostFields form={form} tls={type === 'tls'} />}
      {type === 'dns' && <DnsFields form={form} />}
      {type === 'object' && <ObjectFields form={form} />}
      <fieldset>
        <legend>Schedule and alerting</legend>
        <div class="form-grid">
          <Field form={form} name="interval" label="Check every" hint="30s, 5m, 1h (at least 5s)" />
          <Field form={form} name="timeout" label="Timeout" hint="At most the interval" />
          <Field form={form} name="failureThreshold" label="Failed checks before down" inputMode="numeric" />
          <Field form={form} name="successThreshold" label="Good checks before up" inputMode="numeric" />
          <Field form={form} name="retryInterval" label="Retry every (while failing)" />
          <Field form={form} name="reminder" label="Remind every (while down)" hint="Off when empty" />
        </div>
        <Field form={form} name="topics" label="Topics to notify" hint="Comma-separated topic names" />
        <Field form={form} name="tags" label="Tags" hint="Comma-separated: env=prod, team=web" />
        <Field form={form} name="description" label="Description" type="textarea" rows={2} />
        <Field form={form} name="paused" label="Paused (no checks)" type="checkbox" />
      </fieldset>
      {type !== 'object' && <LocationFields form={form} />}
    </NamedForm>
  );
}

/** `/monitors/new` and `/monitors/:name/edit`. */
export function MonitorFormPage({ name }: { name?: string }) {
  return <NamedFormPage<Monitor> kind={kind} name={name} form={(m) => <MonitorForm existing={m} />} />;
}
