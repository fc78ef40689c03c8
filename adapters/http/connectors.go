package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse-iam/gatehouse/core/connector"
	"github.com/gatehouse-iam/gatehouse/core/domain"
)

type connectorTypeBody struct {
	Name         string          `json:"name"`
	DisplayName  string          `json:"display_name"`
	Version      string          `json:"version"`
	Description  string          `json:"description"`
	Channel      string          `json:"channel"`
	ConfigSchema json.RawMessage `json:"config_schema"`
	Usages       []string        `json:"usages"`
	TemplateKind string          `json:"template_kind"`
	Placeholders []string        `json:"placeholders"`
	SecretFields []string        `json:"secret_fields"`
}

type connectorBody struct {
	ID        string                   `json:"id"`
	Type      string                   `json:"type"`
	Channel   string                   `json:"channel"`
	Name      string                   `json:"name"`
	Config    map[string]any           `json:"config"`
	Secrets   map[string]bool          `json:"secrets"`
	Templates []domain.MessageTemplate `json:"templates"`
	CreatedAt time.Time                `json:"created_at"`
	UpdatedAt time.Time                `json:"updated_at"`
}

// templateInput is a template as the API takes it.
type templateInput struct {
	Usage    string   `json:"usage" validate:"required,max=32"`
	Locale   string   `json:"locale" validate:"max=35"`
	ID       string   `json:"id" validate:"max=128"`
	Params   []string `json:"params" validate:"max=20,dive,max=64"`
	Subject  string   `json:"subject" validate:"max=998"`
	Body     string   `json:"body" validate:"max=65536"`
	HTMLBody string   `json:"html_body" validate:"max=262144"`
}

func toTemplates(in []templateInput) []domain.MessageTemplate {
	out := make([]domain.MessageTemplate, len(in))
	for i, t := range in {
		out[i] = domain.MessageTemplate{Usage: t.Usage, Locale: t.Locale, ID: t.ID, Params: t.Params, Subject: t.Subject, Body: t.Body, HTMLBody: t.HTMLBody}
	}
	return out
}

type createConnectorRequest struct {
	Type      string          `json:"type" validate:"required,max=64"`
	Name      string          `json:"name" validate:"required,max=128"`
	Config    json.RawMessage `json:"config" validate:"required"`
	Templates []templateInput `json:"templates" validate:"max=64,dive"`
}

type updateConnectorRequest struct {
	Name      *string          `json:"name" validate:"omitnil,min=1,max=128"`
	Config    json.RawMessage  `json:"config"`
	Templates *[]templateInput `json:"templates" validate:"omitnil,max=64,dive"`
}

type testConnectorRequest struct {
	To     string `json:"to" validate:"required,max=254"`
	Usage  string `json:"usage" validate:"max=32"`
	Locale string `json:"locale" validate:"max=35"`
}

type draftTestRequest struct {
	Type      string          `json:"type" validate:"required,max=64"`
	Config    json.RawMessage `json:"config" validate:"required"`
	Templates []templateInput `json:"templates" validate:"max=64,dive"`
	To        string          `json:"to" validate:"required,max=254"`
	Usage     string          `json:"usage" validate:"max=32"`
	Locale    string          `json:"locale" validate:"max=35"`
}

type deliveryBody struct {
	MessageID string  `json:"message_id"`
	LatencyMS float64 `json:"latency_ms"`
}

func (a *api) registerConnectors(r *gin.RouterGroup) {
	r.GET("/connector-types", a.listConnectorTypes)
	r.POST("/pools/:pool_id/connectors", a.createConnector)
	r.GET("/pools/:pool_id/connectors", a.listConnectors)
	r.POST("/pools/:pool_id/connectors/test", a.testDraftConnector)
	r.GET("/pools/:pool_id/connectors/:connector_id", a.getConnector)
	r.PATCH("/pools/:pool_id/connectors/:connector_id", a.updateConnector)
	r.DELETE("/pools/:pool_id/connectors/:connector_id", a.deleteConnector)
	r.POST("/pools/:pool_id/connectors/:connector_id/test", a.testConnector)
	r.POST("/pools/:pool_id/connectors/:connector_id/validate", a.validateConnector)
}

func (a *api) connectorBody(c *gin.Context, conn *domain.Connector) connectorBody {
	templates := conn.Templates
	if templates == nil {
		templates = []domain.MessageTemplate{}
	}
	return connectorBody{ID: conn.ID, Type: conn.Type, Channel: conn.Channel, Name: conn.Name, Config: conn.Config,
		Secrets: a.Connectors.SecretStatus(c.Request.Context(), conn), Templates: templates,
		CreatedAt: conn.CreatedAt, UpdatedAt: conn.UpdatedAt}
}

func (a *api) listConnectorTypes(c *gin.Context) {
	types, err := a.Connectors.Types(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	out := make([]connectorTypeBody, len(types))
	for i, t := range types {
		out[i] = connectorTypeBody{Name: t.Name, DisplayName: t.DisplayName, Version: t.Version, Description: t.Description,
			Channel: t.Channel, ConfigSchema: t.ConfigSchema, Usages: t.Usages, TemplateKind: t.TemplateKind,
			Placeholders: t.Placeholders, SecretFields: t.SecretFields}
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

func (a *api) createConnector(c *gin.Context) {
	var req createConnectorRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		writeError(c, err)
		return
	}
	conn, err := a.Connectors.Create(c.Request.Context(), connector.CreateRequest{PoolID: c.Param("pool_id"), Type: req.Type,
		Name: req.Name, Config: req.Config, Templates: toTemplates(req.Templates)})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, a.connectorBody(c, conn))
}

func (a *api) listConnectors(c *gin.Context) {
	page, err := pageOf(c)
	if err != nil {
		writeError(c, err)
		return
	}
	list, err := a.Connectors.List(c.Request.Context(), c.Param("pool_id"), page)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, listOf(list, func(conn *domain.Connector) connectorBody { return a.connectorBody(c, conn) }))
}

func (a *api) getConnector(c *gin.Context) {
	conn, err := a.Connectors.Get(c.Request.Context(), c.Param("pool_id"), c.Param("connector_id"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, a.connectorBody(c, conn))
}

func (a *api) updateConnector(c *gin.Context) {
	var req updateConnectorRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		writeError(c, err)
		return
	}
	upd := connector.UpdateRequest{PoolID: c.Param("pool_id"), ID: c.Param("connector_id"), Name: req.Name, Config: req.Config}
	if req.Templates != nil {
		t := toTemplates(*req.Templates)
		upd.Templates = &t
	}
	conn, err := a.Connectors.Update(c.Request.Context(), upd)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, a.connectorBody(c, conn))
}

func (a *api) deleteConnector(c *gin.Context) {
	if err := a.Connectors.Delete(c.Request.Context(), c.Param("pool_id"), c.Param("connector_id")); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (a *api) testConnector(c *gin.Context) {
	var req testConnectorRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		writeError(c, err)
		return
	}
	d, err := a.Connectors.Test(c.Request.Context(), connector.TestRequest{PoolID: c.Param("pool_id"), ID: c.Param("connector_id"),
		To: req.To, Usage: req.Usage, Locale: req.Locale})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, deliveryBody{MessageID: d.MessageID, LatencyMS: float64(d.Latency.Microseconds()) / 1000})
}

func (a *api) testDraftConnector(c *gin.Context) {
	var req draftTestRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		writeError(c, err)
		return
	}
	d, err := a.Connectors.TestDraft(c.Request.Context(), connector.DraftTestRequest{PoolID: c.Param("pool_id"), Type: req.Type,
		Config: req.Config, Templates: toTemplates(req.Templates), To: req.To, Usage: req.Usage, Locale: req.Locale})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, deliveryBody{MessageID: d.MessageID, LatencyMS: float64(d.Latency.Microseconds()) / 1000})
}

func (a *api) validateConnector(c *gin.Context) {
	if err := a.Connectors.Verify(c.Request.Context(), c.Param("pool_id"), c.Param("connector_id")); err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"valid": true})
}
