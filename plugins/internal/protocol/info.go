package protocol

import (
	"encoding/json"

	"github.com/gatehouse-iam/gatehouse/plugins/internal/sdk"
)

func infoToProto(in sdk.Info) *Info {
	usages := make([]string, len(in.Usages))
	for i, u := range in.Usages {
		usages[i] = string(u)
	}
	return &Info{
		Name:         in.Name,
		DisplayName:  in.DisplayName,
		Version:      in.Version,
		Description:  in.Description,
		Channel:      string(in.Channel),
		ConfigSchema: in.ConfigSchema,
		Usages:       usages,
		TemplateKind: string(in.TemplateKind),
		Placeholders: in.Placeholders,
	}
}

func infoFromProto(in *Info) sdk.Info {
	if in == nil {
		return sdk.Info{}
	}
	var usages []sdk.Usage
	if len(in.GetUsages()) > 0 {
		usages = make([]sdk.Usage, len(in.GetUsages()))
		for i, u := range in.GetUsages() {
			usages[i] = sdk.Usage(u)
		}
	}
	var schema json.RawMessage
	if len(in.GetConfigSchema()) > 0 {
		schema = json.RawMessage(in.GetConfigSchema())
	}
	return sdk.Info{
		Name:         in.GetName(),
		DisplayName:  in.GetDisplayName(),
		Version:      in.GetVersion(),
		Description:  in.GetDescription(),
		Channel:      sdk.Channel(in.GetChannel()),
		ConfigSchema: schema,
		Usages:       usages,
		TemplateKind: sdk.TemplateKind(in.GetTemplateKind()),
		Placeholders: in.GetPlaceholders(),
	}
}
