//! The kinds of secret, each shown as `[REDACTED:<name>]`: one line each in
//! the list below, which generates the enum, [`SecretKind::ALL`] and the
//! names, so they cannot drift apart.
//!
//! Kinds are ordered from most to least specific: when two finds cover
//! exactly the same text, the earlier kind names it. Names are part of the
//! output (markers, render summaries, `--json`) and never change; a new
//! provider adds a line among the providers, before the generic forms.

/// Declares [`SecretKind`] from `Variant => "name"` lines.
macro_rules! kinds {
    ($( $(#[doc = $doc:literal])+ $variant:ident => $name:literal, )+) => {
        /// A kind of secret, shown as `[REDACTED:<as_str>]`.
        ///
        /// Variants are ordered from most to least specific; when two finds
        /// cover exactly the same text, the earlier variant names it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum SecretKind {
            $( $(#[doc = $doc])+ $variant, )+
        }

        /// How many kinds there are.
        const COUNT: usize = [$($name),+].len();

        impl SecretKind {
            /// Every kind, in order.
            pub const ALL: [SecretKind; COUNT] = [$(SecretKind::$variant),+];

            /// The name shown inside `[REDACTED:...]`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(SecretKind::$variant => $name,)+
                }
            }
        }

        /// The longest name, which bounds how far back a marker can start.
        pub(crate) const LONGEST_NAME: usize = {
            let names = [$($name),+];
            let mut longest = 0;
            let mut i = 0;
            while i < names.len() {
                if names[i].len() > longest {
                    longest = names[i].len();
                }
                i += 1;
            }
            longest
        };
    };
}

kinds! {
    /// A private key: a PEM block (BEGIN line through END line), an
    /// OpenSSH or SSH2 key, or a PuTTY key file.
    PrivateKey => "private_key",
    /// An AWS access key id such as `AKIA...`, or a Bedrock API key.
    AwsAccessKey => "aws_access_key",
    /// An AWS secret access key assigned to an `aws_secret...` name.
    AwsSecretKey => "aws_secret_key",
    /// A GitHub personal, OAuth, app or refresh token.
    GithubToken => "github_token",
    /// A GitLab token of any type.
    GitlabToken => "gitlab_token",
    /// A Slack token, or an incoming or workflow webhook URL.
    SlackToken => "slack_token",
    /// An AWS session token.
    AwsSessionToken => "aws_session_token",
    /// A Stripe secret, restricted or webhook-signing key.
    StripeKey => "stripe_key",
    /// An Anthropic API, admin or OAuth key.
    AnthropicKey => "anthropic_key",
    /// An OpenAI API key.
    OpenaiKey => "openai_key",
    /// A Google (Cloud, Maps, Firebase, Gemini) API key.
    GoogleApiKey => "google_api_key",
    /// A Google OAuth client secret, access or refresh token.
    GoogleOauth => "google_oauth",
    /// The key id of a cloud service-account JSON file.
    ServiceAccount => "service_account",
    /// An npm access token.
    NpmToken => "npm_token",
    /// A PyPI upload token.
    PypiToken => "pypi_token",
    /// A Hugging Face user or organisation token.
    HuggingfaceToken => "huggingface_token",
    /// An Azure storage or service-bus key, client secret or SAS signature.
    AzureKey => "azure_key",
    /// A HashiCorp Vault token.
    VaultToken => "vault_token",
    /// A Terraform Cloud or Enterprise API token.
    TerraformToken => "terraform_token",
    /// A Twilio API key or auth token.
    TwilioKey => "twilio_key",
    /// A SendGrid API key.
    SendgridKey => "sendgrid_key",
    /// A Databricks access token.
    DatabricksToken => "databricks_token",
    /// A Cloudflare API token, global key or origin CA key.
    CloudflareKey => "cloudflare_key",
    /// A Datadog API or application key.
    DatadogKey => "datadog_key",
    /// A Shopify access token or shared secret.
    ShopifyToken => "shopify_token",
    /// An Atlassian (Jira, Confluence) API token.
    AtlassianToken => "atlassian_token",
    /// A Bitbucket app password.
    BitbucketToken => "bitbucket_token",
    /// A DigitalOcean personal, OAuth or refresh token.
    DigitaloceanToken => "digitalocean_token",
    /// A Discord webhook URL's token.
    DiscordToken => "discord_token",
    /// A Dropbox access token.
    DropboxToken => "dropbox_token",
    /// A Doppler token.
    DopplerToken => "doppler_token",
    /// A Dynatrace API token.
    DynatraceToken => "dynatrace_token",
    /// An EasyPost API key.
    EasypostKey => "easypost_key",
    /// A Figma personal access token.
    FigmaToken => "figma_token",
    /// A Fly.io token.
    FlyioToken => "flyio_token",
    /// A Frame.io token.
    FrameioToken => "frameio_token",
    /// A Grafana API key, cloud or service-account token.
    GrafanaToken => "grafana_token",
    /// A Heroku API key.
    HerokuKey => "heroku_key",
    /// A HubSpot private-app token.
    HubspotToken => "hubspot_token",
    /// A Linear API key.
    LinearKey => "linear_key",
    /// A Mailchimp API key.
    MailchimpKey => "mailchimp_key",
    /// A Mailgun API key.
    MailgunKey => "mailgun_key",
    /// A Mapbox secret token.
    MapboxToken => "mapbox_token",
    /// A New Relic API, ingest or license key.
    NewrelicKey => "newrelic_key",
    /// A Notion integration token.
    NotionToken => "notion_token",
    /// A 1Password service-account token or secret key.
    OnepasswordToken => "onepassword_token",
    /// A Postman API key.
    PostmanKey => "postman_key",
    /// A Pulumi access token.
    PulumiToken => "pulumi_token",
    /// A RubyGems API key.
    RubygemsKey => "rubygems_key",
    /// A Sentry auth token.
    SentryToken => "sentry_token",
    /// A Square access token or application secret.
    SquareToken => "square_token",
    /// A Telegram bot token.
    TelegramToken => "telegram_token",
    /// A Twitter (X) app bearer token.
    TwitterToken => "twitter_token",
    /// A Facebook (Meta) access token.
    FacebookToken => "facebook_token",
    /// An age secret key.
    AgeKey => "age_key",
    /// An Alibaba Cloud access key id.
    AlibabaKey => "alibaba_key",
    /// An Adafruit IO key.
    AdafruitKey => "adafruit_key",
    /// An Airtable personal access token.
    AirtableToken => "airtable_token",
    /// A Clojars deploy token.
    ClojarsToken => "clojars_token",
    /// A Contentful personal access token.
    ContentfulToken => "contentful_token",
    /// A Duffel API token.
    DuffelToken => "duffel_token",
    /// A Flutterwave secret key.
    FlutterwaveKey => "flutterwave_key",
    /// A Harness personal or service-account token.
    HarnessToken => "harness_token",
    /// A JFrog (Artifactory) API key or reference token.
    JfrogToken => "jfrog_token",
    /// A Supabase access token or secret key.
    SupabaseKey => "supabase_key",
    /// A PlanetScale token or password.
    PlanetscaleToken => "planetscale_token",
    /// A Prefect API key.
    PrefectKey => "prefect_key",
    /// A Replicate API token.
    ReplicateToken => "replicate_token",
    /// A Groq API key.
    GroqKey => "groq_key",
    /// A Perplexity API key.
    PerplexityKey => "perplexity_key",
    /// An xAI API key.
    XaiKey => "xai_key",
    /// A LangSmith API key.
    LangsmithKey => "langsmith_key",
    /// A Tailscale auth or API key.
    TailscaleKey => "tailscale_key",
    /// A Docker Hub access token.
    DockerToken => "docker_token",
    /// A Shippo API token.
    ShippoToken => "shippo_token",
    /// A Typeform personal access token.
    TypeformToken => "typeform_token",
    /// A Sourcegraph access token.
    SourcegraphToken => "sourcegraph_token",
    /// A SonarQube or SonarCloud token.
    SonarToken => "sonar_token",
    /// A Buildkite API token.
    BuildkiteToken => "buildkite_token",
    /// A CircleCI personal API token.
    CircleciToken => "circleci_token",
    /// A Resend API key.
    ResendKey => "resend_key",
    /// A Brevo (Sendinblue) API key.
    BrevoKey => "brevo_key",
    /// A Pinecone API key.
    PineconeKey => "pinecone_key",
    /// A Firebase Cloud Messaging server key.
    FirebaseKey => "firebase_key",
    /// A Plaid access token.
    PlaidToken => "plaid_token",
    /// A Braintree (PayPal) access token.
    BraintreeToken => "braintree_token",
    /// A Salesforce access token.
    SalesforceToken => "salesforce_token",
    /// An OpenShift user token.
    OpenshiftToken => "openshift_token",
    /// A NuGet API key.
    NugetKey => "nuget_key",
    /// A Netlify personal access token.
    NetlifyToken => "netlify_token",
    /// An Okta API token.
    OktaToken => "okta_token",
    /// An Algolia admin API key.
    AlgoliaKey => "algolia_key",
    /// The password in a URL such as `postgres://user:password@host`.
    UrlPassword => "url_password",
    /// A basic-auth credential: `Authorization: Basic ...` or the password
    /// of `curl -u user:password`.
    BasicAuth => "basic_auth",
    /// A JSON Web Token, bare or base64-wrapped.
    Jwt => "jwt",
    /// The credential after `Bearer ` (or another scheme in an
    /// `Authorization` header).
    Bearer => "bearer",
    /// The value assigned to a secret-sounding name.
    Assignment => "assignment",
}
