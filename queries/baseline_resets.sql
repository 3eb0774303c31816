-- description: every baseline reset (`orcaops baselines reset KEY`): the key and when it restarted
-- depends:
SELECT target AS baseline_key, "at" AS reset_at
FROM actions
WHERE kind = 'baseline_reset'
