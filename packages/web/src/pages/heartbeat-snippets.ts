/** The lines to paste into a crontab or a script for a ping URL. */
export function pingSnippets(url: string, cron?: string): { label: string; text: string }[] {
  const curlOf = (u: string) => `curl -fsS -m 10 --retry 5 -o /dev/null ${u}`;
  const curl = curlOf(url);
  return [
    cron
      ? { label: 'Crontab line (ping after the job)', text: `${cron} /path/to/job.sh && ${curl}` }
      : { label: 'After the job', text: `/path/to/job.sh && ${curl}` },
    { label: 'Ping alone', text: curl },
    {
      label: 'Start, then the exit status (measures run time, reports failures)',
      text: `${curlOf(`${url}/start`)}; /path/to/job.sh; ${curlOf(`${url}/$?`)}`,
    },
  ];
}
