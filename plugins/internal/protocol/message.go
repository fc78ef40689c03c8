package protocol

import "github.com/gatehouse-iam/gatehouse/plugins/internal/sdk"

func messageToProto(in sdk.Message) *Message {
	return &Message{
		To:     in.To,
		Usage:  string(in.Usage),
		Locale: in.Locale,
		Template: &Template{
			Id:       in.Template.ID,
			Params:   in.Template.Params,
			Subject:  in.Template.Subject,
			Body:     in.Template.Body,
			HtmlBody: in.Template.HTMLBody,
		},
		Variables: in.Variables,
	}
}

func messageFromProto(in *Message) sdk.Message {
	t := in.GetTemplate()
	return sdk.Message{
		To:     in.GetTo(),
		Usage:  sdk.Usage(in.GetUsage()),
		Locale: in.GetLocale(),
		Template: sdk.Template{
			ID:       t.GetId(),
			Params:   t.GetParams(),
			Subject:  t.GetSubject(),
			Body:     t.GetBody(),
			HTMLBody: t.GetHtmlBody(),
		},
		Variables: in.GetVariables(),
	}
}

func receiptToProto(in sdk.Receipt) *Receipt { return &Receipt{MessageId: in.MessageID} }

func receiptFromProto(in *Receipt) sdk.Receipt { return sdk.Receipt{MessageID: in.GetMessageId()} }
