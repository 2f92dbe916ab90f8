/** The usage text. Kept beside the flags it documents; README's "Usage" section mirrors it. */
export const MAIN_HELP = `restartdoctor — why did nginx say "connect() failed (111: Connection refused)"?

Joins nginx upstream errors to Docker container restarts, diagnoses the incident, runs the
root-cause checklist and proposes the config fix for your own nginx.conf / docker-compose.yml.

Usage
  restartdoctor                                   live: follow ${'/var/log/nginx/error.log'} + the local Docker daemon
  restartdoctor --follow --log FILE... [--docker unix:///var/run/docker.sock]
  restartdoctor --replay DIR [--speed 20] [--from TIME]   replay a recorded incident folder live (the demo)
  restartdoctor --log FILE [--events FILE] [--containers FILE]   postmortem of recorded files
  cat error.log | restartdoctor --events events.jsonl            postmortem of a piped log
  restartdoctor check --upstream HOST:PORT [--container NAME]    run the root-cause checklist now
  restartdoctor fix --nginx-conf FILE [--compose FILE] --upstream HOST:PORT [--apply]
  restartdoctor lint nginx.conf docker-compose.yml [k8s.yaml] [--format text|json|sarif]
  restartdoctor drill --container NAME --url http://127.0.0.1/health [--requests 200]

Input
  --log FILE            nginx error log (repeatable; "-" is stdin)
  --events FILE         Docker events: \`docker events --since … --format '{{json .}}'\` or /events JSON
  --containers FILE     \`docker inspect\` output of the containers (port bindings, IPs, healthchecks)
  --since TIME          only from TIME: "2024-01-15 03:00", "2 hours ago" (read in --tz)
  --until TIME          only up to TIME; may be relative to --since: "1 hour later"
  --tz ZONE             zone the log's local times were written in (default: this machine's)
  --from TIME           --replay: start playing at TIME, e.g. "03:00" (default: 10 s before the first errors)

Detection
  --burst-gap DUR       errors further apart than this start a new burst (default 5s)
  --min-errors N        smallest burst that is an incident (default 3)
  --patterns DIR        own rules, laid over the bundled patterns/ by id

Output
  --json                machine-readable report (schemaVersion 1, see README)
  --export FILE.md      also write the incident summary as markdown for a postmortem doc
  --nginx-conf FILE, --compose FILE, --k8s FILE, --systemd FILE
                        propose the fix as a diff of these files
  --all-platforms       fix advice for every platform (default: nginx, plus compose, Kubernetes or
                        systemd only when the container's labels or the files given show them)
  --probe               postmortem: also run the checklist against the live upstream (off by default)
  --health-path PATH    path for the HTTP probe (default: the container healthcheck's, else /health)
  --progress            progress bar on stderr (automatic for logs over 50 MB on a terminal)
  --no-tui              live mode without the full-screen UI: one line per incident and check
  --no-color            no colours (also NO_COLOR=1 or TERM=dumb)
  -h, --help, -V, --version

Exit codes: 0 no incident, 1 incident found (or a check failed), 2 usage or input error.
`;
