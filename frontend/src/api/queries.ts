// Server state, one hook per read model; mutations invalidate what they change.
import { useQuery } from "@tanstack/react-query";
import { api } from "./client";
import type { Assistant, Collection, Conversation, DocumentItem, Me, Paginated } from "./types";

export const keys = {
  me: ["me"] as const,
  collections: ["collections"] as const,
  collection: (id: string) => ["collections", id] as const,
  documents: (collectionId: string, offset?: number) =>
    offset === undefined ? (["documents", { collectionId }] as const) : (["documents", { collectionId }, offset] as const),
  document: (id: string) => ["document", id] as const,
  chunks: (id: string, offset: number) => ["chunks", id, offset] as const,
  assistants: ["assistants"] as const,
  assistant: (id: string) => ["assistants", id] as const,
  conversations: (assistantId: string) => ["conversations", assistantId] as const,
  conversation: (assistantId: string, id: string) => ["conversations", assistantId, id] as const,
};

export function useMe() {
  return useQuery({ queryKey: keys.me, queryFn: () => api.get<Me>("/me") });
}

export function useCollections() {
  return useQuery({
    queryKey: keys.collections,
    queryFn: () => api.get<Paginated<Collection>>("/collections?limit=200"),
  });
}

export function useCollection(id: string) {
  return useQuery({ queryKey: keys.collection(id), queryFn: () => api.get<Collection>(`/collections/${id}`) });
}

/** Documents shown per page of a collection (a Free plan's 100 fit on one). */
export const DOCUMENTS_PAGE = 100;

export function useDocuments(collectionId: string, offset: number) {
  return useQuery({
    queryKey: keys.documents(collectionId, offset),
    queryFn: () =>
      api.get<Paginated<DocumentItem>>(`/documents?collection_id=${collectionId}&limit=${DOCUMENTS_PAGE}&offset=${offset}`),
    placeholderData: (previous) => previous,
  });
}

export function useAssistants() {
  return useQuery({
    queryKey: keys.assistants,
    queryFn: () => api.get<Paginated<Assistant>>("/assistants?limit=200"),
  });
}

export function useAssistant(id: string) {
  return useQuery({ queryKey: keys.assistant(id), queryFn: () => api.get<Assistant>(`/assistants/${id}`) });
}

export function useConversations(assistantId: string) {
  return useQuery({
    queryKey: keys.conversations(assistantId),
    queryFn: () => api.get<Paginated<Conversation>>(`/chat/${assistantId}/conversations?limit=200`),
  });
}
