-- description: dismissed or applied recommendations (`orcaops recommendations dismiss|apply ID`): the latest decision per id
-- depends:
SELECT target AS recommendation_id,
       arg_max(CASE kind WHEN 'recommendation_dismiss' THEN 'dismissed' ELSE 'applied' END, "at")
           AS state,
       max("at") AS decided_at
FROM actions
WHERE kind IN ('recommendation_dismiss', 'recommendation_apply')
GROUP BY target
