// The API's shapes, generated from ../../openapi.json (`npm run api-types`),
// which a Rust test keeps equal to the server's OpenAPI document.
import type { components } from "./schema";

type S = components["schemas"];

export type Me = S["MeResponse"];
export type Tenant = S["TenantResponse"];
export type Collection = S["CollectionResponse"];
export type CreateCollection = S["CreateCollection"];
export type DocumentItem = S["DocumentResponse"];
export type Chunk = S["ChunkResponse"];
export type UploadedFile = S["UploadedFile"];
export type UploadResponse = S["UploadResponse"];
export type Assistant = S["AssistantResponse"];
export type CreateAssistant = S["CreateAssistant"];
export type UpdateAssistant = S["UpdateAssistant"];
export type Citation = S["CitationResponse"];
export type Conversation = S["ConversationResponse"];
export type Turn = S["TurnResponse"];
export type TurnUsage = S["UsageResponse"];
export type UsageNow = S["UsageNow"];
export type UsageHistory = S["UsageHistory"];
export type LedgerLine = S["LedgerLine"];
export type BillingStatus = S["BillingStatus"];
export type ApiKey = S["ApiKeyResponse"];
export type Member = S["MemberResponse"];
export type Invitation = S["InvitationResponse"];
export type QuotaDetails = S["QuotaDetails"];
export type Connection = S["ConnectionResponse"];
export type ConnectionList = S["ConnectionList"];
export type ConnectSession = S["ConnectSessionResponse"];
export type DocumentSource = S["SourceResponse"];
export type RetrievalPreviewResult = S["SearchResponse"];
export type Kpis = S["Kpis"];

/** `GET /conversations/{id}`: the conversation and its turns (`history`). */
export type ConversationDetail = S["ConversationDetail"];
export type CreatedApiKey = S["CreatedApiKey"];

/** A list endpoint's page (utoipa leaves the generic's items untyped). */
export interface Paginated<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/** An `application/problem+json` body (RFC 9457), with quota details on 402/429. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  quota?: string;
  plan?: string;
  limit?: number;
  used?: number;
  resets_at?: string | null;
}
