package audit

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/ports"
)

// Time ranges of the guide's "User operation logs" page.
const (
	RangeToday      = "today"
	RangeYesterday  = "yesterday"
	RangeLast7Days  = "last_7_days"
	RangeLast30Days = "last_30_days"
	RangeCustom     = "custom"
)

// Limits of a list query.
const (
	// CountCap bounds the total: counting every match of a wide range on a large pool reads
	// every one of them (10 000 index entries already cost ~10 ms on MariaDB), so the count
	// stops after CountCap and the answer says TotalCapped instead.
	CountCap = 1000
	// MaxDepth bounds page × page_size: an OFFSET is read and thrown away, so deep pages cost
	// as much as counting. Narrow the range to see older events.
	MaxDepth = 10000
	// MaxCustomRange is the longest custom range.
	MaxCustomRange = 366 * 24 * time.Hour
	// MaxSearchLength bounds the free-text search, in characters.
	MaxSearchLength = 128
)

// ListRequest holds the query of GET /audit-logs as the client sent it; List validates it.
// From and To are RFC 3339 and only allowed (and then required) with Range custom.
type ListRequest struct {
	PoolID        string
	Range         string // default last_7_days
	From, To      string
	TZ            string // IANA zone for today/yesterday; default UTC
	Type          string
	Result        string
	AuthSourceID  string
	ApplicationID string
	Search        string
	Page          domain.Page
}

// ListResult is one page of the log. Total is exact unless TotalCapped, in which case there
// are more than CountCap matches and Total is CountCap. From and To are the range resolved
// (To is exclusive).
type ListResult struct {
	domain.List[domain.AuditEvent]
	TotalCapped bool
	HasMore     bool // a next page has events
	From, To    time.Time
}

// List validates the filters and returns a page of pool's log, newest first.
func (s *Service) List(ctx context.Context, req ListRequest) (ListResult, error) {
	q, err := s.query(req)
	if err != nil {
		return ListResult{}, err
	}
	if _, err := s.Pools.Get(ctx, req.PoolID); err != nil {
		return ListResult{}, err
	}
	list, err := s.Log.List(ctx, req.PoolID, q)
	if err != nil {
		return ListResult{}, err
	}
	res := ListResult{List: list, From: q.From, To: q.To}
	end := q.Page.Number * q.Page.Size
	res.HasMore = end < list.Total
	if list.Total > CountCap {
		res.Total, res.TotalCapped = CountCap, true
		if end >= list.Total {
			// Past the counted matches: ask for the one row after this page.
			probe := q
			probe.Page, probe.MaxCount = domain.Page{Number: end + 1, Size: 1}, 1
			next, err := s.Log.List(ctx, req.PoolID, probe)
			if err != nil {
				return ListResult{}, err
			}
			res.HasMore = len(next.Items) > 0
		}
	}
	return res, nil
}

// query turns the request into a store query, collecting every problem.
func (s *Service) query(req ListRequest) (ports.AuditQuery, error) {
	var p domain.Problems
	q := ports.AuditQuery{
		Type:          domain.AuditType(req.Type),
		Result:        domain.AuditResult(req.Result),
		AuthSourceID:  req.AuthSourceID,
		ApplicationID: req.ApplicationID,
		Search:        strings.TrimSpace(req.Search),
		MaxCount:      CountCap + 1,
	}
	page, err := req.Page.Normalize()
	if err != nil {
		if e, ok := domain.AsError(err); ok {
			p = append(p, e.Details...)
		}
	} else if page.Number*page.Size > MaxDepth {
		p.Add("page", fmt.Sprintf("pages reach only the first %d matches; narrow the time range or filters", MaxDepth))
	}
	q.Page = page
	if req.Type != "" && !q.Type.Valid() {
		names := make([]string, 0, 8)
		for _, t := range domain.AuditTypes() {
			names = append(names, string(t))
		}
		p.Add("type", "must be one of: "+strings.Join(names, ", "))
	}
	if req.Result != "" && !q.Result.Valid() {
		p.Add("result", "must be one of: success, failure")
	}
	for _, f := range [...]struct{ name, value string }{{"auth_source_id", req.AuthSourceID}, {"application_id", req.ApplicationID}} {
		if len(f.value) > domain.MaxAuditID || strings.ContainsAny(f.value, " \t\r\n%") {
			p.Add(f.name, fmt.Sprintf("must be an id of at most %d characters", domain.MaxAuditID))
		}
	}
	if utf8.RuneCountInString(q.Search) > MaxSearchLength {
		p.Add("search", fmt.Sprintf("must be at most %d characters", MaxSearchLength))
	}
	if strings.ContainsFunc(q.Search, unicode.IsControl) {
		p.Add("search", "must not contain control characters")
	}
	q.From, q.To = s.timeRange(req, &p)
	return q, p.Err()
}

// timeRange resolves the range. today and yesterday are calendar days in req.TZ (UTC by
// default); last_7_days and last_30_days are rolling windows ending now (open at the top, so
// an event written a moment after the request still shows on the next page load); custom is
// [from, to).
func (s *Service) timeRange(req ListRequest, p *domain.Problems) (from, to time.Time) {
	loc := time.UTC
	if req.TZ != "" {
		l, err := time.LoadLocation(req.TZ)
		if err != nil || req.TZ == "Local" {
			p.Add("tz", "must be an IANA time zone such as Asia/Shanghai")
		} else {
			loc = l
		}
	}
	rng := req.Range
	if rng == "" {
		rng = RangeLast7Days
	}
	if rng != RangeCustom && (req.From != "" || req.To != "") {
		p.Add("range", "must be custom when from or to is given")
		return
	}
	now := s.Clock.Now().In(loc)
	startOfDay := func(days int) time.Time {
		return time.Date(now.Year(), now.Month(), now.Day()+days, 0, 0, 0, 0, loc)
	}
	switch rng {
	case RangeToday:
		return startOfDay(0).UTC(), startOfDay(1).UTC()
	case RangeYesterday:
		return startOfDay(-1).UTC(), startOfDay(0).UTC()
	case RangeLast7Days: // 7 × 24 h whatever tz says: a daylight-saving change does not move it
		return now.Add(-7 * 24 * time.Hour).UTC(), time.Time{}
	case RangeLast30Days:
		return now.Add(-30 * 24 * time.Hour).UTC(), time.Time{}
	case RangeCustom:
		var errFrom, errTo error
		from, errFrom = parseTime(req.From)
		to, errTo = parseTime(req.To)
		if errFrom != nil {
			p.Add("from", errFrom.Error())
		}
		if errTo != nil {
			p.Add("to", errTo.Error())
		}
		if errFrom != nil || errTo != nil {
			return time.Time{}, time.Time{}
		}
		switch {
		case !from.Before(to):
			p.Add("to", "must be after from")
		case to.Sub(from) > MaxCustomRange:
			p.Add("to", "must be at most 366 days after from")
		}
		return from.UTC(), to.UTC()
	default:
		p.Add("range", "must be one of: today, yesterday, last_7_days, last_30_days, custom")
		return
	}
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, fmt.Errorf("is required with range=custom")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("must be an RFC 3339 time such as 2026-11-01T00:00:00Z")
	}
	return t, nil
}
