//! The rule table: one entry per credential format, written from the
//! issuers' published token formats (prefix, alphabet, length, checksum).
//! Adding a provider is one entry here, a kind in `kind.rs` and a line in
//! the corpus under `tests/redact/`.
//!
//! A rule names the literal keywords the prefilter looks for, and the
//! pattern that must match where one is found. A regex is anchored at the
//! keyword (or, with `lead`, up to that many bytes before it, for formats
//! whose fixed part is inside the token); its first group, if it has one, is
//! the secret and the rest is context that stays readable. Shapes a regex
//! cannot judge (key blocks, URLs, JWTs, base64 that must decode) are
//! named detectors, implemented in `shaped`. A `named` rule does not search
//! the text: it names the value of an assignment whose name holds one of its
//! keywords (`DD_API_KEY`, `CLOUDFLARE_TOKEN`) when the value has its shape.
//!
//! Every pattern and keyword is ASCII, so every span a rule returns lies on
//! char boundaries.

use std::sync::{LazyLock, OnceLock};

use regex::bytes::Regex;

use crate::SecretKind;
use crate::SecretKind as K;

/// How a rule recognises its secret where a keyword was found.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Pattern {
    /// A regex (ASCII, matched on bytes).
    Regex(&'static str),
    /// A detector written in code.
    Code(Detector),
}

/// The detectors written in code, for shapes a regex cannot judge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Detector {
    /// A PEM or SSH2 private key block.
    Pem,
    /// A PuTTY private key file.
    Putty,
    /// A JSON Web Token.
    Jwt,
    /// A base64-wrapped JSON Web Token.
    Base64Jwt,
    /// The credential after `Bearer `.
    Bearer,
    /// The credential after `Basic ` in an `Authorization` header.
    Basic,
    /// The password in `scheme://user:password@host`.
    UrlPassword,
    /// The password of `curl -u user:password`.
    CurlUser,
    /// A Slack webhook URL.
    SlackWebhook,
}

/// A check beyond the pattern and the entropy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Check {
    /// None.
    None,
    /// 30 random characters and their base62 CRC32, after the prefix: a
    /// token that passes is redacted whatever its entropy and whatever is
    /// glued before it.
    Crc32,
}

/// Where a rule applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Anywhere in the text, at its keywords.
    Anywhere,
    /// To the value of an assignment whose name has one of the keywords as
    /// a word; the pattern must match the whole value.
    Named,
}

/// One credential format.
#[derive(Debug)]
pub(crate) struct Rule {
    /// A stable name, used by the tests and the corpus.
    pub(crate) id: &'static str,
    /// What the marker calls it.
    pub(crate) kind: SecretKind,
    /// Case-sensitive literals the prefilter finds; a match starts at one
    /// (or up to `lead` bytes before it).
    pub(crate) keywords: &'static [&'static str],
    pub(crate) pattern: Pattern,
    /// The least Shannon entropy, in bits per byte, of the secret after its
    /// keyword; masks such as `ghp_xxxx...` have next to none.
    pub(crate) min_entropy: f32,
    /// How far before its keyword a match may start.
    pub(crate) lead: u8,
    pub(crate) check: Check,
    pub(crate) scope: Scope,
}

/// A rule found anywhere at its keywords by a regex.
const fn re(
    id: &'static str,
    kind: SecretKind,
    keywords: &'static [&'static str],
    pattern: &'static str,
    min_entropy: f32,
) -> Rule {
    Rule {
        id,
        kind,
        keywords,
        pattern: Pattern::Regex(pattern),
        min_entropy,
        lead: 0,
        check: Check::None,
        scope: Scope::Anywhere,
    }
}

/// A rule found anywhere at its keywords by a detector.
const fn code(
    id: &'static str,
    kind: SecretKind,
    keywords: &'static [&'static str],
    detector: Detector,
) -> Rule {
    Rule {
        id,
        kind,
        keywords,
        pattern: Pattern::Code(detector),
        min_entropy: 0.0,
        lead: 0,
        check: Check::None,
        scope: Scope::Anywhere,
    }
}

/// A rule naming the value assigned to a name that has one of `words`.
const fn named(
    id: &'static str,
    kind: SecretKind,
    words: &'static [&'static str],
    pattern: &'static str,
    min_entropy: f32,
) -> Rule {
    Rule {
        id,
        kind,
        keywords: words,
        pattern: Pattern::Regex(pattern),
        min_entropy,
        lead: 0,
        check: Check::None,
        scope: Scope::Named,
    }
}

impl Rule {
    /// The match may start up to `n` bytes before the keyword.
    const fn lead(mut self, n: u8) -> Rule {
        self.lead = n;
        self
    }

    /// The secret also carries `check`.
    const fn check(mut self, check: Check) -> Rule {
        self.check = check;
        self
    }
}

/// Every rule. Order matters only for reading: overlapping finds merge, and
/// finds of exactly the same text are named by the earlier kind.
pub(crate) static RULES: &[Rule] = &[
    // Generic forms, recognised by code.
    code("private-key", K::PrivateKey, &["BEGIN "], Detector::Pem),
    code(
        "putty-private-key",
        K::PrivateKey,
        &["PuTTY-User-Key-File-"],
        Detector::Putty,
    ),
    code("jwt", K::Jwt, &["eyJ"], Detector::Jwt),
    code("jwt-base64", K::Jwt, &["ZXlK"], Detector::Base64Jwt),
    code(
        "bearer",
        K::Bearer,
        &["Bearer", "bearer", "BEARER"],
        Detector::Bearer,
    ),
    code(
        "basic-auth",
        K::BasicAuth,
        &["Basic ", "basic ", "BASIC "],
        Detector::Basic,
    ),
    code(
        "url-password",
        K::UrlPassword,
        &["://"],
        Detector::UrlPassword,
    ),
    code(
        "curl-user",
        K::BasicAuth,
        &[" -u", "--user"],
        Detector::CurlUser,
    ),
    code(
        "slack-webhook",
        K::SlackToken,
        &["hooks.slack.com/"],
        Detector::SlackWebhook,
    ),
    // Cloud providers.
    re(
        "aws-access-key-id",
        K::AwsAccessKey,
        &[
            "AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA", "APKA",
            "ASCA",
        ],
        r"A(?:KIA|SIA|BIA|CCA|GPA|IDA|ROA|NPA|NVA|IPA|PKA|SCA)[A-Z0-9]{16}",
        2.8,
    ),
    re(
        "aws-bedrock-key",
        K::AwsAccessKey,
        &["ABSK"],
        r"ABSK[A-Za-z0-9+/]{109,269}={0,2}",
        3.5,
    ),
    re(
        "aws-session-token",
        K::AwsSessionToken,
        &["FwoGZXIvYXdz", "IQoJb3JpZ2lu"],
        r"(?:FwoGZXIvYXdz|IQoJb3JpZ2lu)[A-Za-z0-9+/]{80,2000}={0,2}",
        3.5,
    ),
    re(
        "google-api-key",
        K::GoogleApiKey,
        &["AIza"],
        r"AIza[A-Za-z0-9_-]{35}",
        3.0,
    ),
    re(
        "google-oauth-secret",
        K::GoogleOauth,
        &["GOCSPX-"],
        r"GOCSPX-[A-Za-z0-9_-]{28}",
        3.0,
    ),
    re(
        "google-oauth-token",
        K::GoogleOauth,
        &["ya29."],
        r"ya29\.[A-Za-z0-9_-]{30,2048}",
        3.0,
    ),
    re(
        "google-refresh-token",
        K::GoogleOauth,
        &["1//0"],
        r"1//0[A-Za-z0-9_-]{40,512}",
        3.5,
    ),
    re(
        "service-account-key-id",
        K::ServiceAccount,
        &["private_key_id"],
        r#"private_key_id\\?"\s*:\s*\\?"([a-f0-9]{40})"#,
        3.0,
    ),
    re(
        "azure-storage-key",
        K::AzureKey,
        &["AccountKey="],
        r"AccountKey=([A-Za-z0-9+/]{86}==)",
        3.5,
    ),
    re(
        "azure-shared-access-key",
        K::AzureKey,
        &["SharedAccessKey="],
        r"SharedAccessKey=([A-Za-z0-9+/]{40,86}={0,2})",
        3.5,
    ),
    re(
        "azure-client-secret",
        K::AzureKey,
        &["7Q~", "8Q~"],
        r"[A-Za-z0-9_~.]{3}[78]Q~[A-Za-z0-9_~.-]{31,34}",
        3.0,
    )
    .lead(3),
    re(
        "azure-sas-signature",
        K::AzureKey,
        &["sig="],
        r"sig=([A-Za-z0-9%+/]{40,120}(?:%3D|=){0,2})",
        4.0,
    ),
    re(
        "digitalocean-token",
        K::DigitaloceanToken,
        &["dop_v1_", "doo_v1_", "dor_v1_"],
        r"do[opr]_v1_[a-f0-9]{64}",
        3.0,
    ),
    re(
        "alibaba-access-key",
        K::AlibabaKey,
        &["LTAI"],
        r"LTAI[A-Za-z0-9]{12,20}",
        3.0,
    ),
    re(
        "cloudflare-origin-ca-key",
        K::CloudflareKey,
        &["v1.0-"],
        r"v1\.0-[a-f0-9]{24}-[a-f0-9]{146}",
        3.0,
    ),
    re(
        "heroku-key",
        K::HerokuKey,
        &["HRKU-"],
        r"HRKU-[A-Za-z0-9_-]{58,64}",
        3.0,
    ),
    re(
        "flyio-token",
        K::FlyioToken,
        &["fo1_", "FlyV1 "],
        r"fo1_[A-Za-z0-9_-]{43}|FlyV1 fm[12][ar]?_[A-Za-z0-9+/]{100,2000}={0,3}",
        3.0,
    ),
    re(
        "openshift-token",
        K::OpenshiftToken,
        &["sha256~"],
        r"sha256~[A-Za-z0-9_-]{43}",
        3.0,
    ),
    re(
        "salesforce-token",
        K::SalesforceToken,
        &["00D"],
        r"00D[A-Za-z0-9]{12,15}![A-Za-z0-9._]{80,200}",
        3.5,
    ),
    // Forges, registries and CI.
    re(
        "github-token",
        K::GithubToken,
        &["ghp_", "gho_", "ghu_", "ghr_"],
        r"gh[pour]_[A-Za-z0-9]{30,255}",
        3.0,
    )
    .check(Check::Crc32),
    re(
        "github-app-token",
        K::GithubToken,
        &["ghs_"],
        r"ghs_(?:[A-Za-z0-9_-]{10,1024}(?:\.[A-Za-z0-9_-]{10,2048}){2}|[A-Za-z0-9]{30,255})",
        3.0,
    )
    .check(Check::Crc32),
    re(
        "github-fine-grained-token",
        K::GithubToken,
        &["github_pat_"],
        r"github_pat_[A-Za-z0-9]{20,40}_[A-Za-z0-9]{51,120}",
        3.0,
    ),
    re(
        "gitlab-token",
        K::GitlabToken,
        &[
            "glpat-", "gldt-", "glrt-", "glrtr-", "glptt-", "glcbt-", "glimt-", "glagent-",
            "gloas-", "glsoat-", "glffct-", "glft-",
        ],
        r"gl(?:pat|dt|rt|rtr|ptt|cbt|imt|agent|oas|soat|ffct|ft)-[A-Za-z0-9_-]{20,255}(?:\.[A-Za-z0-9_-]{2,64}){0,3}",
        3.0,
    ),
    re(
        "gitlab-runner-registration",
        K::GitlabToken,
        &["GR1348941"],
        r"GR1348941[A-Za-z0-9_-]{20,40}",
        3.0,
    ),
    re(
        "bitbucket-app-password",
        K::BitbucketToken,
        &["ATBB"],
        r"ATBB[A-Za-z0-9_=.-]{32,64}",
        3.0,
    ),
    re(
        "atlassian-token",
        K::AtlassianToken,
        &["ATATT3", "ATCTT3"],
        r"AT[AC]TT3[A-Za-z0-9_=-]{150,255}",
        3.5,
    ),
    re(
        "npm-token",
        K::NpmToken,
        &["npm_"],
        r"npm_[A-Za-z0-9]{36}",
        3.0,
    )
    .check(Check::Crc32),
    re(
        "pypi-token",
        K::PypiToken,
        &["pypi-AgEIcHlwaS5vcmc", "pypi-AgENdGVzdC5weXBpLm9yZw"],
        r"pypi-Ag(?:EIcHlwaS5vcmc|ENdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,2000}",
        3.0,
    ),
    re(
        "rubygems-key",
        K::RubygemsKey,
        &["rubygems_"],
        r"rubygems_[a-f0-9]{48}",
        3.0,
    ),
    re("nuget-key", K::NugetKey, &["oy2"], r"oy2[a-z0-9]{43}", 3.0),
    re(
        "clojars-token",
        K::ClojarsToken,
        &["CLOJARS_"],
        r"CLOJARS_[a-z0-9]{60}",
        3.0,
    ),
    re(
        "docker-token",
        K::DockerToken,
        &["dckr_pat_", "dckr_oat_"],
        r"dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,64}",
        3.0,
    ),
    re(
        "jfrog-token",
        K::JfrogToken,
        &["AKCp", "cmVmdGtuOjAxOj"],
        r"AKCp[A-Za-z0-9]{69}|cmVmdGtuOjAxOj[A-Za-z0-9]{40,100}",
        3.0,
    ),
    re(
        "circleci-token",
        K::CircleciToken,
        &["CCIPAT_"],
        r"CCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40}",
        3.0,
    ),
    re(
        "buildkite-token",
        K::BuildkiteToken,
        &["bkua_"],
        r"bkua_[a-f0-9]{40}",
        3.0,
    ),
    re(
        "sonar-token",
        K::SonarToken,
        &["sqp_", "squ_", "sqa_"],
        r"sq[pua]_[a-f0-9]{40}",
        3.0,
    ),
    re(
        "sourcegraph-token",
        K::SourcegraphToken,
        &["sgp_"],
        r"sgp_(?:[a-f0-9]{16}_|local_)?[a-f0-9]{40}",
        3.0,
    ),
    re(
        "pulumi-token",
        K::PulumiToken,
        &["pul-"],
        r"pul-[a-f0-9]{40}",
        3.0,
    ),
    re(
        "terraform-token",
        K::TerraformToken,
        &[".atlasv1."],
        r"[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70}",
        3.0,
    )
    .lead(14),
    re(
        "vault-token",
        K::VaultToken,
        &["hvs.", "hvb.", "hvr."],
        r"hv[sbr]\.[A-Za-z0-9_-]{24,512}",
        3.0,
    ),
    re(
        "harness-token",
        K::HarnessToken,
        &["pat.", "sat."],
        r"[ps]at\.[A-Za-z0-9_-]{22}\.[0-9a-f]{24}\.[A-Za-z0-9]{20}",
        3.0,
    ),
    re(
        "doppler-token",
        K::DopplerToken,
        &["dp."],
        r"dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9_-]{40,64}",
        3.0,
    ),
    re(
        "netlify-token",
        K::NetlifyToken,
        &["nfp_"],
        r"nfp_[A-Za-z0-9]{36}",
        3.0,
    ),
    re(
        "prefect-key",
        K::PrefectKey,
        &["pnu_"],
        r"pnu_[A-Za-z0-9]{36}",
        3.0,
    ),
    re(
        "tailscale-key",
        K::TailscaleKey,
        &["tskey-"],
        r"tskey-(?:auth|api|client|scim|webhook)-[A-Za-z0-9]{6,32}-[A-Za-z0-9]{20,64}",
        3.0,
    ),
    // Messaging, mail and payments.
    re(
        "slack-token",
        K::SlackToken,
        &[
            "xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxe-", "xoxo-", "xoxe.",
        ],
        r"(?:xoxe\.)?xox[abeoprs]-[A-Za-z0-9-]{10,255}",
        2.5,
    ),
    re(
        "slack-app-token",
        K::SlackToken,
        &["xapp-"],
        r"xapp-[0-9]-[A-Za-z0-9-]{20,255}",
        3.0,
    ),
    re(
        "discord-webhook",
        K::DiscordToken,
        &["discord.com/api/webhooks/", "discordapp.com/api/webhooks/"],
        r"discord(?:app)?\.com/api/webhooks/([0-9]{16,20}/[A-Za-z0-9_-]{60,80})",
        3.0,
    ),
    re(
        "telegram-bot-token",
        K::TelegramToken,
        &[":AA"],
        r"[0-9]{8,10}:AA[A-Za-z0-9_-]{33}",
        3.0,
    )
    .lead(10),
    re(
        "twilio-api-key",
        K::TwilioKey,
        &["SK"],
        r"SK[0-9a-fA-F]{32}",
        3.0,
    ),
    re(
        "sendgrid-key",
        K::SendgridKey,
        &["SG."],
        r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}",
        3.0,
    ),
    re(
        "mailchimp-key",
        K::MailchimpKey,
        &["-us"],
        r"[0-9a-f]{32}-us[0-9]{1,2}",
        3.0,
    )
    .lead(32),
    re(
        "mailgun-key",
        K::MailgunKey,
        &["key-"],
        r"key-[0-9a-z]{32}",
        3.0,
    ),
    re(
        "resend-key",
        K::ResendKey,
        &["re_"],
        r"re_[A-Za-z0-9]{8}_[A-Za-z0-9]{24}",
        3.0,
    ),
    re(
        "brevo-key",
        K::BrevoKey,
        &["xkeysib-", "xsmtpsib-"],
        r"x(?:keysib|smtpsib)-[a-f0-9]{64}-[A-Za-z0-9]{16}",
        3.0,
    ),
    re(
        "stripe-key",
        K::StripeKey,
        &["sk_live_", "sk_test_", "rk_live_", "rk_test_"],
        r"[sr]k_(?:live|test)_[A-Za-z0-9]{16,247}",
        3.0,
    ),
    re(
        "stripe-webhook-secret",
        K::StripeKey,
        &["whsec_"],
        r"whsec_[A-Za-z0-9+/=]{24,255}",
        3.0,
    ),
    re(
        "square-token",
        K::SquareToken,
        &["sq0atp-", "sq0csp-", "EAAA"],
        r"sq0(?:atp|csp)-[A-Za-z0-9_-]{22,43}|EAAA[A-Za-z0-9+=_-]{60}",
        3.0,
    ),
    re(
        "braintree-token",
        K::BraintreeToken,
        &["access_token$production$", "access_token$sandbox$"],
        r"access_token\$(?:production|sandbox)\$[a-z0-9]{16}\$[a-f0-9]{32}",
        3.0,
    ),
    re(
        "plaid-token",
        K::PlaidToken,
        &[
            "access-sandbox-",
            "access-development-",
            "access-production-",
        ],
        r"access-(?:sandbox|development|production)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        3.0,
    ),
    re(
        "flutterwave-key",
        K::FlutterwaveKey,
        &["FLWSECK"],
        r"FLWSECK(?:_TEST)?-[a-hA-H0-9]{32}-X",
        3.0,
    ),
    re(
        "duffel-token",
        K::DuffelToken,
        &["duffel_test_", "duffel_live_"],
        r"duffel_(?:test|live)_[A-Za-z0-9_=-]{43}",
        3.0,
    ),
    re(
        "easypost-key",
        K::EasypostKey,
        &["EZAK", "EZTK"],
        r"EZ[AT]K[A-Za-z0-9]{54}",
        3.0,
    ),
    re(
        "shippo-token",
        K::ShippoToken,
        &["shippo_live_", "shippo_test_"],
        r"shippo_(?:live|test)_[a-f0-9]{40}",
        3.0,
    ),
    // AI providers.
    re(
        "anthropic-key",
        K::AnthropicKey,
        &["sk-ant-"],
        r"sk-ant-(?:api|admin|oat|ort|sid)[0-9]{2}-[A-Za-z0-9_-]{32,255}",
        3.0,
    ),
    re(
        "openai-project-key",
        K::OpenaiKey,
        &["sk-proj-", "sk-svcacct-", "sk-admin-", "sk-None-"],
        r"sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_-]{32,255}",
        3.0,
    ),
    re(
        "openai-key",
        K::OpenaiKey,
        &["sk-"],
        r"sk-[A-Za-z0-9]{32,64}",
        3.0,
    ),
    re(
        "huggingface-token",
        K::HuggingfaceToken,
        &["hf_", "api_org_"],
        r"(?:hf|api_org)_[A-Za-z0-9]{30,40}",
        3.5,
    ),
    re(
        "replicate-token",
        K::ReplicateToken,
        &["r8_"],
        r"r8_[A-Za-z0-9]{37}",
        3.0,
    ),
    re(
        "groq-key",
        K::GroqKey,
        &["gsk_"],
        r"gsk_[A-Za-z0-9]{52}",
        3.0,
    ),
    re(
        "perplexity-key",
        K::PerplexityKey,
        &["pplx-"],
        r"pplx-[A-Za-z0-9]{48}",
        3.0,
    ),
    re("xai-key", K::XaiKey, &["xai-"], r"xai-[A-Za-z0-9]{80}", 3.0),
    re(
        "langsmith-key",
        K::LangsmithKey,
        &["lsv2_pt_", "lsv2_sk_"],
        r"lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}",
        3.0,
    ),
    re(
        "pinecone-key",
        K::PineconeKey,
        &["pcsk_"],
        r"pcsk_[A-Za-z0-9]{5,8}_[A-Za-z0-9]{40,80}",
        3.0,
    ),
    // Observability, data and SaaS.
    re(
        "databricks-token",
        K::DatabricksToken,
        &["dapi", "dose"],
        r"d(?:api|ose)[a-f0-9]{32}(?:-[0-9]+)?",
        3.0,
    ),
    re(
        "dynatrace-token",
        K::DynatraceToken,
        &["dt0c01."],
        r"dt0c01\.[A-Z0-9]{24}\.[A-Z0-9]{64}",
        3.0,
    ),
    re(
        "grafana-token",
        K::GrafanaToken,
        &["glc_", "glsa_", "eyJrIjoi"],
        r"glc_[A-Za-z0-9+/]{32,400}={0,3}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|eyJrIjoi[A-Za-z0-9]{50,400}={0,3}",
        3.0,
    ),
    re(
        "newrelic-key",
        K::NewrelicKey,
        &["NRAK-", "NRII-", "NRJS-"],
        r"NRAK-[A-Z0-9]{27}|NRII-[A-Za-z0-9_-]{32}|NRJS-[a-f0-9]{19}",
        3.0,
    ),
    re(
        "newrelic-license-key",
        K::NewrelicKey,
        &["NRAL"],
        r"[a-f0-9]{36}NRAL",
        3.0,
    )
    .lead(36),
    re(
        "sentry-token",
        K::SentryToken,
        &["sntryu_", "sntrys_"],
        r"sntry[us]_[A-Za-z0-9+/=_-]{40,400}",
        3.5,
    ),
    re(
        "shopify-token",
        K::ShopifyToken,
        &["shpat_", "shpca_", "shppa_", "shpss_"],
        r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}",
        3.0,
    ),
    re(
        "hubspot-token",
        K::HubspotToken,
        &["pat-na", "pat-eu", "pat-ap"],
        r"pat-(?:na|eu|ap)[0-9]-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        3.0,
    ),
    re(
        "linear-key",
        K::LinearKey,
        &["lin_api_", "lin_oauth_"],
        r"lin_(?:api|oauth)_[A-Za-z0-9]{40}",
        3.0,
    ),
    re(
        "notion-token",
        K::NotionToken,
        &["ntn_", "secret_"],
        r"ntn_[0-9]{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43}",
        3.5,
    ),
    re(
        "mapbox-token",
        K::MapboxToken,
        &["sk.eyJ"],
        r"sk\.eyJ[A-Za-z0-9_-]{50,1000}\.[A-Za-z0-9_-]{20,100}",
        3.0,
    ),
    re(
        "figma-token",
        K::FigmaToken,
        &["figd_"],
        r"figd_[A-Za-z0-9_-]{40}",
        3.0,
    ),
    re(
        "frameio-token",
        K::FrameioToken,
        &["fio-u-"],
        r"fio-u-[A-Za-z0-9_=-]{64}",
        3.0,
    ),
    re(
        "postman-key",
        K::PostmanKey,
        &["PMAK-"],
        r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}",
        3.0,
    ),
    re(
        "airtable-token",
        K::AirtableToken,
        &["pat"],
        r"pat[A-Za-z0-9]{14}\.[a-f0-9]{64}",
        3.0,
    ),
    re(
        "adafruit-key",
        K::AdafruitKey,
        &["aio_"],
        r"aio_[A-Za-z0-9]{28}",
        3.0,
    ),
    re(
        "contentful-token",
        K::ContentfulToken,
        &["CFPAT-"],
        r"CFPAT-[A-Za-z0-9_-]{43}",
        3.0,
    ),
    re(
        "typeform-token",
        K::TypeformToken,
        &["tfp_"],
        r"tfp_[A-Za-z0-9_.=-]{59}",
        3.0,
    ),
    re(
        "supabase-key",
        K::SupabaseKey,
        &["sbp_", "sb_secret_"],
        r"sbp_[a-f0-9]{40}|sb_secret_[A-Za-z0-9_-]{31,64}",
        3.0,
    ),
    re(
        "planetscale-token",
        K::PlanetscaleToken,
        &["pscale_tkn_", "pscale_pw_", "pscale_oauth_"],
        r"pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_.=-]{32,64}",
        3.0,
    ),
    re(
        "dropbox-token",
        K::DropboxToken,
        &["sl."],
        r"sl\.(?:u\.)?[A-Za-z0-9_-]{130,1500}",
        3.5,
    ),
    re(
        "firebase-server-key",
        K::FirebaseKey,
        &[":APA91b"],
        r"AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{100,200}",
        3.0,
    )
    .lead(11),
    re(
        "twitter-bearer-token",
        K::TwitterToken,
        &["AAAAAAAAAAAAAAAAAAAAA"],
        r"A{21,22}[A-Za-z0-9%]{30,200}",
        3.0,
    ),
    re(
        "facebook-token",
        K::FacebookToken,
        &["EAA"],
        r"EAA[A-Za-z0-9]{100,512}",
        3.5,
    ),
    // Keys and password managers.
    re(
        "age-secret-key",
        K::AgeKey,
        &["AGE-SECRET-KEY-1"],
        r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",
        3.0,
    ),
    re(
        "onepassword-token",
        K::OnepasswordToken,
        &["ops_eyJ", "A3-"],
        r"ops_eyJ[A-Za-z0-9+/]{250,3000}={0,3}|A3-[A-Z0-9]{6}-[A-Z0-9]{6}-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}",
        3.0,
    ),
    // Values named by the provider in their assignment's name.
    named(
        "datadog-key",
        K::DatadogKey,
        &["datadog", "dd"],
        r"[a-f0-9]{32}|[a-f0-9]{40}",
        3.0,
    ),
    named(
        "cloudflare-api-token",
        K::CloudflareKey,
        &["cloudflare", "cf"],
        r"[A-Za-z0-9_-]{40}|[a-f0-9]{37}",
        3.0,
    ),
    named(
        "heroku-legacy-key",
        K::HerokuKey,
        &["heroku"],
        r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
        3.0,
    ),
    named(
        "twilio-auth-token",
        K::TwilioKey,
        &["twilio"],
        r"[a-f0-9]{32}",
        3.0,
    ),
    named(
        "okta-token",
        K::OktaToken,
        &["okta"],
        r"00[A-Za-z0-9_-]{40}",
        3.0,
    ),
    named(
        "algolia-key",
        K::AlgoliaKey,
        &["algolia"],
        r"[a-f0-9]{32}",
        3.0,
    ),
    named(
        "mailgun-named-key",
        K::MailgunKey,
        &["mailgun"],
        r"[a-f0-9]{32}-[a-f0-9]{8}-[a-f0-9]{8}",
        3.0,
    ),
    named(
        "sendgrid-named-key",
        K::SendgridKey,
        &["sendgrid"],
        r"SG\.[A-Za-z0-9_.-]{20,80}",
        3.0,
    ),
];

/// Each rule's regex, compiled the first time a keyword of it is found: a
/// render of code that mentions few providers compiles few of them.
static COMPILED: LazyLock<Box<[OnceLock<Regex>]>> =
    LazyLock::new(|| RULES.iter().map(|_| OnceLock::new()).collect());

/// The regex of rule `index`, anchored at its start unless the rule has a
/// lead or is named (a named rule's regex must span the whole value).
pub(crate) fn regex(index: usize) -> Option<&'static Regex> {
    let rule = RULES.get(index)?;
    let Pattern::Regex(pattern) = rule.pattern else {
        return None;
    };
    let cell = COMPILED.get(index)?;
    Some(cell.get_or_init(|| {
        let anchored = match (rule.scope, rule.lead) {
            (Scope::Named, _) => format!(r"(?-u)\A(?:{pattern})\z"),
            (Scope::Anywhere, 0) => format!(r"(?-u)\A(?:{pattern})"),
            (Scope::Anywhere, _) => format!(r"(?-u)(?:{pattern})"),
        };
        Regex::new(&anchored).expect("BUG: every rule pattern compiles (a test compiles them all)")
    }))
}

/// The kind that a named rule gives the value `value` of the assignment
/// whose name has the lowercase words `words`, if one does.
pub(crate) fn named_kind(words: &[String], value: &str) -> Option<SecretKind> {
    RULES.iter().enumerate().find_map(|(i, rule)| {
        let applies = rule.scope == Scope::Named
            && rule.keywords.iter().any(|k| words.iter().any(|w| w == k))
            && crate::heuristics::entropy(value.as_bytes()) >= rule.min_entropy
            && regex(i).is_some_and(|re| re.is_match(value.as_bytes()));
        applies.then_some(rule.kind)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles_and_every_keyword_is_ascii() {
        let mut ids = std::collections::BTreeSet::new();
        for (i, rule) in RULES.iter().enumerate() {
            assert!(ids.insert(rule.id), "{} twice", rule.id);
            assert!(!rule.keywords.is_empty(), "{}", rule.id);
            for keyword in rule.keywords {
                assert!(
                    keyword.is_ascii() && keyword.len() >= 2,
                    "{}: {keyword:?}",
                    rule.id
                );
            }
            if let Pattern::Regex(pattern) = rule.pattern {
                assert!(pattern.is_ascii(), "{}", rule.id);
                assert!(regex(i).is_some(), "{}", rule.id);
            }
        }
    }
}
