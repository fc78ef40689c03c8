package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse-iam/gatehouse/core/domain"
	"github.com/gatehouse-iam/gatehouse/core/messaging"
)

type quotaBody struct {
	Limit     int  `json:"limit"`
	Used      int  `json:"used"`
	Remaining int  `json:"remaining"`
	Applies   bool `json:"applies"`
}

type messageSettingsBody struct {
	SMSConnectorID   string                   `json:"sms_connector_id"`
	EmailConnectorID string                   `json:"email_connector_id"`
	SMSTemplates     []domain.MessageTemplate `json:"sms_templates"`
	EmailTemplates   []domain.MessageTemplate `json:"email_templates"`
	Quota            map[string]quotaBody     `json:"quota"`
	UpdatedAt        *time.Time               `json:"updated_at,omitempty"`
}

type putMessageSettingsRequest struct {
	SMSConnectorID   string          `json:"sms_connector_id" validate:"max=36"`
	EmailConnectorID string          `json:"email_connector_id" validate:"max=36"`
	SMSTemplates     []templateInput `json:"sms_templates" validate:"max=64,dive"`
	EmailTemplates   []templateInput `json:"email_templates" validate:"max=64,dive"`
}

func (a *api) registerMessageSettings(r *gin.RouterGroup) {
	r.GET("/pools/:pool_id/message-settings", a.getMessageSettings)
	r.PUT("/pools/:pool_id/message-settings", a.putMessageSettings)
}

func messageSettingsOf(v *messaging.SettingsView) messageSettingsBody {
	s := v.Settings
	b := messageSettingsBody{SMSConnectorID: s.SMSConnectorID, EmailConnectorID: s.EmailConnectorID,
		SMSTemplates: orEmptyTemplates(s.SMSTemplates), EmailTemplates: orEmptyTemplates(s.EmailTemplates), Quota: map[string]quotaBody{}}
	if !s.UpdatedAt.IsZero() {
		b.UpdatedAt = &s.UpdatedAt
	}
	for ch, q := range v.Quota {
		b.Quota[ch] = quotaBody{Limit: q.Limit, Used: q.Used, Remaining: q.Remaining, Applies: q.Applies}
	}
	return b
}

func orEmptyTemplates(t []domain.MessageTemplate) []domain.MessageTemplate {
	if t == nil {
		return []domain.MessageTemplate{}
	}
	return t
}

func (a *api) getMessageSettings(c *gin.Context) {
	v, err := a.Messages.GetSettings(c.Request.Context(), c.Param("pool_id"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, messageSettingsOf(v))
}

func (a *api) putMessageSettings(c *gin.Context) {
	var req putMessageSettingsRequest
	if err := decodeJSON(c, maxJSONBody, &req); err != nil {
		writeError(c, err)
		return
	}
	v, err := a.Messages.PutSettings(c.Request.Context(), messaging.PutSettingsRequest{PoolID: c.Param("pool_id"),
		SMSConnectorID: req.SMSConnectorID, EmailConnectorID: req.EmailConnectorID,
		SMSTemplates: toTemplates(req.SMSTemplates), EmailTemplates: toTemplates(req.EmailTemplates)})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, messageSettingsOf(v))
}
