// Types shared by main.bicep and the modules.

@export()
@description('Tags put on resources: azd-env-name everywhere, azd-service-name on the function app.')
type tagsType = {
  *: string
}

@export()
@description('Names of the Key Vault secrets the app reads through Key Vault references in its app settings.')
type secretNamesType = {
  @description('Px__AdminKey: the admin API key when the app runs standalone.')
  adminKey: string

  @description('Shopify__WebhookSecrets: signing secrets of Shopify webhooks.')
  shopifyWebhookSecrets: string

  @description('WooCommerce__WebhookSecrets: signing secrets of WooCommerce webhooks.')
  wooCommerceWebhookSecrets: string

  @description('Orders__WebhookSecrets: signing secrets of the generic order webhook.')
  ordersWebhookSecrets: string

  @description('Px__AnswerLinkKey: key that signs the one-click answer links in emails.')
  answerLinkKey: string

  @description('Px__EventGridSecret: shared secret Event Grid sends in the webhook URL.')
  eventGridSecret: string

  @description('Px__Privacy__HashKey: key of the keyed hash that names addresses in the consent ledger.')
  privacyHashKey: string
}
