-- description: per key whose command installs dependencies every run (pip install, npm ci, apt-get install, ...): how often and how long
-- depends: run_history
SELECT baseline_key,
       arg_max(image, started_at) AS image,
       arg_max(command, started_at) AS command,
       regexp_extract(lower(arg_max(command, started_at)),
           '(pip3? install|npm ci|npm install|yarn install|pnpm install|poetry install|bundle install|apt-get install|apk add|go mod download|cargo fetch|mvn dependency:[a-z-]+)')
           AS install_step,
       count(*) AS runs,
       count(*) / greatest(date_diff('second', min(started_at), max(started_at)) / 86400.0, 1.0)
           AS runs_per_day,
       quantile_cont(duration_s, 0.5) AS duration_p50,
       sum(duration_s) AS duration_total_s,
       max(started_at) AS last_run_at
FROM run_history
WHERE regexp_matches(lower(command),
      '(pip3? install|npm ci|npm install|yarn install|pnpm install|poetry install|bundle install|apt-get install|apk add|go mod download|cargo fetch|mvn dependency:)')
GROUP BY baseline_key
