-- The review queue at province scale (issue 14): its page is read in the queue's own order (disputed first, then by submission),
-- stopping after the page's rows instead of sorting the whole queue; its count is an index-only scan per unit of the jurisdiction.
CREATE INDEX IF NOT EXISTS placement_queue_order ON placement.placement (((state = 'Disputed')) DESC, (coalesce(submitted_at, updated_at)), id)
    WHERE state IN ('AwaitingReview', 'Disputed');
CREATE INDEX IF NOT EXISTS placement_queue_unit ON placement.placement (unit_id) INCLUDE (business_year, state, has_flags)
    WHERE state IN ('AwaitingReview', 'Disputed');
