package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse-iam/gatehouse/core/audit"
	"github.com/gatehouse-iam/gatehouse/core/domain"
)

type auditEventBody struct {
	ID            string         `json:"id"`
	Time          time.Time      `json:"time"`
	Type          string         `json:"type"`
	Action        string         `json:"action,omitempty"`
	Result        string         `json:"result"`
	Actor         string         `json:"actor"`
	ObjectType    string         `json:"object_type,omitempty"`
	ObjectID      string         `json:"object_id,omitempty"`
	Details       string         `json:"details"`
	AuthSourceID  string         `json:"auth_source_id,omitempty"`
	ApplicationID string         `json:"application_id,omitempty"`
	UserID        string         `json:"user_id,omitempty"`
	IP            string         `json:"ip"`
	UserAgent     string         `json:"user_agent"`
	Before        map[string]any `json:"before"`
	After         map[string]any `json:"after"`
}

func auditEventOf(e *domain.AuditEvent) auditEventBody {
	return auditEventBody{ID: e.ID, Time: e.Time, Type: string(e.Type), Action: e.Action, Result: string(e.Result),
		Actor: e.Actor, ObjectType: e.ObjectType, ObjectID: e.ObjectID, Details: e.Details, AuthSourceID: e.AuthSourceID,
		ApplicationID: e.ApplicationID, UserID: e.UserID, IP: e.IP, UserAgent: e.UserAgent, Before: e.Before, After: e.After}
}

// auditListBody is the list shape plus what the count and the range resolved to.
type auditListBody struct {
	listBody[auditEventBody]
	// TotalCapped: there are more than Total matches; Total stops at the count cap.
	TotalCapped bool       `json:"total_capped"`
	HasMore     bool       `json:"has_more"`
	From        time.Time  `json:"from"`
	To          *time.Time `json:"to,omitempty"`
}

// auditQueryParams are the query parameters the list accepts; anything else is refused so a
// misspelt filter does not silently widen the answer.
var auditQueryParams = map[string]bool{
	"range": true, "from": true, "to": true, "tz": true, "type": true, "result": true, "auth_source_id": true,
	"application_id": true, "search": true, "page": true, "page_size": true,
}

func (a *api) registerAudit(r *gin.RouterGroup) {
	r.GET("/pools/:pool_id/audit-logs", a.listAuditLogs)
}

// listAuditLogs passes c.Request.Context(), never c itself, to the core: gin recycles its
// Context for the next request while a database driver may still watch the old one's Done.
func (a *api) listAuditLogs(c *gin.Context) {
	var problems domain.Problems
	for name, values := range c.Request.URL.Query() {
		switch {
		case !auditQueryParams[name]:
			problems.Add(name, "is not a known query parameter")
		case len(values) > 1:
			problems.Add(name, "must be given once")
		}
	}
	if err := problems.Err(); err != nil {
		writeError(c, err)
		return
	}
	page, err := pageOf(c)
	if err != nil {
		writeError(c, err)
		return
	}
	res, err := a.Audit.List(c.Request.Context(), audit.ListRequest{
		PoolID: c.Param("pool_id"), Range: c.Query("range"), From: c.Query("from"), To: c.Query("to"), TZ: c.Query("tz"),
		Type: c.Query("type"), Result: c.Query("result"), AuthSourceID: c.Query("auth_source_id"),
		ApplicationID: c.Query("application_id"), Search: c.Query("search"), Page: page,
	})
	if err != nil {
		writeError(c, err)
		return
	}
	body := auditListBody{listBody: listOf(res.List, auditEventOf), TotalCapped: res.TotalCapped, From: res.From,
		HasMore: res.HasMore}
	if !res.To.IsZero() {
		body.To = &res.To
	}
	c.JSON(http.StatusOK, body)
}
