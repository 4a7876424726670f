-- The public status page's one statement (GET /r/track?code=…) as a PL/pgSQL function: PL/pgSQL
-- keeps the plan of its query for the connection's life (a generic plan once it has seen that one is
-- as good: the query looks a request up by its unique code, its plan does not depend on which), so
-- each page no longer pays for planning a seven-relation query; planning was most of the page's
-- database CPU (docs/benchmarks.md, issue 24). Additive: the previous release does not call it.
CREATE OR REPLACE FUNCTION request_timeline(p_code text)
RETURNS TABLE (t_status text, t_created_at timestamptz, t_due_on date, t_triaged_at timestamptz, t_reply text,
               t_station_name text, t_category_zh text, t_category_en text, t_effective_status text,
               t_effective_triaged_at timestamptz, t_effective_reply text, t_linked_at timestamptz,
               t_held_at timestamptz, t_outcome_at timestamptz, t_implemented_at timestamptz,
               t_rated_at timestamptz, t_satisfaction text)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
    WITH own AS (SELECT * FROM resident_request WHERE tracking_code = p_code),
         eff AS (SELECT coalesce(t.id, o.id) AS id, coalesce(t.status, o.status) AS status,
                        coalesce(t.triaged_at, o.triaged_at) AS triaged_at, coalesce(t.reply, o.reply) AS reply
                   FROM own o LEFT JOIN resident_request t ON t.id = o.merged_into),
         link AS (SELECT tr.topic_id, tr.linked_at FROM topic_request tr JOIN eff ON tr.request_id = eff.id),
         held AS (SELECT min(m.ends_at) AS at FROM meeting m JOIN link ON m.topic_id = link.topic_id WHERE m.status = 'held'),
         res AS (SELECT min(x.created_at) AS outcome_at, min(x.implemented_at) AS implemented_at,
                        min(x.rated_at) AS rated_at, min(x.satisfaction) AS satisfaction
                   FROM outcome x JOIN meeting m ON m.id = x.meeting_id JOIN link ON m.topic_id = link.topic_id)
    SELECT o.status, o.created_at, o.due_on, o.triaged_at, o.reply, s.name, c.name_zh, c.name_en,
           eff.status, eff.triaged_at, eff.reply, link.linked_at, held.at, res.outcome_at, res.implemented_at,
           res.rated_at, res.satisfaction
      FROM own o JOIN station s ON s.id = o.station_id JOIN topic_category c ON c.key = o.category
      CROSS JOIN eff LEFT JOIN link ON true CROSS JOIN held CROSS JOIN res;
END
$$;
