export type Json = string | number | boolean | null | { [key: string]: Json | undefined } | Json[]

export type Database = {
  public: {
    Tables: {
      organization_invitations: {
        Row: {
          accepted_at: string | null
          accepted_by: string | null
          created_at: string
          email: string
          expires_at: string
          id: string
          invited_by: string | null
          organization_id: string
          revoked_at: string | null
          role: string
          sent_count: number
          token_hash: string
          updated_at: string
        }
        ComputedFields: never
        Insert: {
          accepted_at?: string | null
          accepted_by?: string | null
          created_at?: string
          email: string
          expires_at: string
          id?: string
          invited_by?: string | null
          organization_id: string
          revoked_at?: string | null
          role?: string
          sent_count?: number
          token_hash: string
          updated_at?: string
        }
        Update: {
          accepted_at?: string | null
          accepted_by?: string | null
          created_at?: string
          email?: string
          expires_at?: string
          id?: string
          invited_by?: string | null
          organization_id?: string
          revoked_at?: string | null
          role?: string
          sent_count?: number
          token_hash?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: 'organization_invitations_organization_id_fkey'
            columns: ['organization_id']
            isOneToOne: false
            referencedRelation: 'organizations'
            referencedColumns: ['id']
          },
        ]
      }
      organization_members: {
        Row: {
          created_at: string
          organization_id: string
          role: string
          user_id: string
        }
        ComputedFields: never
        Insert: {
          created_at?: string
          organization_id: string
          role?: string
          user_id: string
        }
        Update: {
          created_at?: string
          organization_id?: string
          role?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: 'organization_members_organization_id_fkey'
            columns: ['organization_id']
            isOneToOne: false
            referencedRelation: 'organizations'
            referencedColumns: ['id']
          },
        ]
      }
      organizations: {
        Row: {
          billing_email: string | null
          billing_status: string | null
          cancelled_at: string | null
          created_at: string
          deleted_at: string | null
          id: string
          last_payment_at: string | null
          last_payment_failed_at: string | null
          name: string
          next_billing_at: string | null
          plan_limits: NonNullable<Json>
          plan_name: string | null
          price_id: string | null
          product_id: string | null
          stripe_customer_id: string | null
          stripe_subscription_id: string | null
          stripe_synced_at: string | null
          trial_ends_at: string | null
          updated_at: string
        }
        ComputedFields: never
        Insert: {
          billing_email?: string | null
          billing_status?: string | null
          cancelled_at?: string | null
          created_at?: string
          deleted_at?: string | null
          id?: string
          last_payment_at?: string | null
          last_payment_failed_at?: string | null
          name: string
          next_billing_at?: string | null
          plan_limits?: NonNullable<Json>
          plan_name?: string | null
          price_id?: string | null
          product_id?: string | null
          stripe_customer_id?: string | null
          stripe_subscription_id?: string | null
          stripe_synced_at?: string | null
          trial_ends_at?: string | null
          updated_at?: string
        }
        Update: {
          billing_email?: string | null
          billing_status?: string | null
          cancelled_at?: string | null
          created_at?: string
          deleted_at?: string | null
          id?: string
          last_payment_at?: string | null
          last_payment_failed_at?: string | null
          name?: string
          next_billing_at?: string | null
          plan_limits?: NonNullable<Json>
          plan_name?: string | null
          price_id?: string | null
          product_id?: string | null
          stripe_customer_id?: string | null
          stripe_subscription_id?: string | null
          stripe_synced_at?: string | null
          trial_ends_at?: string | null
          updated_at?: string
        }
        Relationships: []
      }
      profiles: {
        Row: {
          created_at: string
          email: string | null
          full_name: string | null
          id: string
          updated_at: string
        }
        ComputedFields: never
        Insert: {
          created_at?: string
          email?: string | null
          full_name?: string | null
          id: string
          updated_at?: string
        }
        Update: {
          created_at?: string
          email?: string | null
          full_name?: string | null
          id?: string
          updated_at?: string
        }
        Relationships: []
      }
      projects: {
        Row: {
          created_at: string
          created_by: string | null
          id: string
          name: string
          organization_id: string
          updated_at: string
        }
        ComputedFields: never
        Insert: {
          created_at?: string
          created_by?: string | null
          id?: string
          name: string
          organization_id: string
          updated_at?: string
        }
        Update: {
          created_at?: string
          created_by?: string | null
          id?: string
          name?: string
          organization_id?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: 'projects_organization_id_fkey'
            columns: ['organization_id']
            isOneToOne: false
            referencedRelation: 'organizations'
            referencedColumns: ['id']
          },
        ]
      }
      stripe_customers: {
        Row: {
          deleted: boolean
          email: string | null
          id: string
          metadata: NonNullable<Json>
          name: string | null
          organization_id: string | null
          raw: Json | null
          stripe_fetched_at: string
          user_id: string | null
        }
        ComputedFields: never
        Insert: {
          deleted?: boolean
          email?: string | null
          id: string
          metadata?: NonNullable<Json>
          name?: string | null
          organization_id?: string | null
          raw?: Json | null
          stripe_fetched_at: string
          user_id?: string | null
        }
        Update: {
          deleted?: boolean
          email?: string | null
          id?: string
          metadata?: NonNullable<Json>
          name?: string | null
          organization_id?: string | null
          raw?: Json | null
          stripe_fetched_at?: string
          user_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: 'stripe_customers_organization_id_fkey'
            columns: ['organization_id']
            isOneToOne: false
            referencedRelation: 'organizations'
            referencedColumns: ['id']
          },
        ]
      }
      stripe_invoices: {
        Row: {
          amount_due: number | null
          amount_paid: number | null
          amount_remaining: number | null
          attempt_count: number | null
          billing_reason: string | null
          created: string | null
          currency: string | null
          customer_email: string | null
          customer_id: string
          due_date: string | null
          hosted_invoice_url: string | null
          id: string
          invoice_pdf: string | null
          next_payment_attempt: string | null
          number: string | null
          organization_id: string | null
          paid_at: string | null
          raw: NonNullable<Json>
          status: string | null
          stripe_fetched_at: string
          subscription_id: string | null
        }
        ComputedFields: never
        Insert: {
          amount_due?: number | null
          amount_paid?: number | null
          amount_remaining?: number | null
          attempt_count?: number | null
          billing_reason?: string | null
          created?: string | null
          currency?: string | null
          customer_email?: string | null
          customer_id: string
          due_date?: string | null
          hosted_invoice_url?: string | null
          id: string
          invoice_pdf?: string | null
          next_payment_attempt?: string | null
          number?: string | null
          organization_id?: string | null
          paid_at?: string | null
          raw: NonNullable<Json>
          status?: string | null
          stripe_fetched_at: string
          subscription_id?: string | null
        }
        Update: {
          amount_due?: number | null
          amount_paid?: number | null
          amount_remaining?: number | null
          attempt_count?: number | null
          billing_reason?: string | null
          created?: string | null
          currency?: string | null
          customer_email?: string | null
          customer_id?: string
          due_date?: string | null
          hosted_invoice_url?: string | null
          id?: string
          invoice_pdf?: string | null
          next_payment_attempt?: string | null
          number?: string | null
          organization_id?: string | null
          paid_at?: string | null
          raw?: NonNullable<Json>
          status?: string | null
          stripe_fetched_at?: string
          subscription_id?: string | null
        }
        Relationships: [
          {
            foreignKeyName: 'stripe_invoices_organization_id_fkey'
            columns: ['organization_id']
            isOneToOne: false
            referencedRelation: 'organizations'
            referencedColumns: ['id']
          },
        ]
      }
      stripe_prices: {
        Row: {
          active: boolean | null
          currency: string | null
          deleted: boolean
          id: string
          metadata: NonNullable<Json>
          nickname: string | null
          product_id: string | null
          raw: NonNullable<Json>
          recurring_interval: string | null
          recurring_interval_count: number | null
          stripe_fetched_at: string
          unit_amount: number | null
        }
        ComputedFields: never
        Insert: {
          active?: boolean | null
          currency?: string | null
          deleted?: boolean
          id: string
          metadata?: NonNullable<Json>
          nickname?: string | null
          product_id?: string | null
          raw: NonNullable<Json>
          recurring_interval?: string | null
          recurring_interval_count?: number | null
          stripe_fetched_at: string
          unit_amount?: number | null
        }
        Update: {
          active?: boolean | null
          currency?: string | null
          deleted?: boolean
          id?: string
          metadata?: NonNullable<Json>
          nickname?: string | null
          product_id?: string | null
          raw?: NonNullable<Json>
          recurring_interval?: string | null
          recurring_interval_count?: number | null
          stripe_fetched_at?: string
          unit_amount?: number | null
        }
        Relationships: []
      }
      stripe_products: {
        Row: {
          active: boolean | null
          deleted: boolean
          id: string
          metadata: NonNullable<Json>
          name: string | null
          raw: NonNullable<Json>
          stripe_fetched_at: string
        }
        ComputedFields: never
        Insert: {
          active?: boolean | null
          deleted?: boolean
          id: string
          metadata?: NonNullable<Json>
          name?: string | null
          raw: NonNullable<Json>
          stripe_fetched_at: string
        }
        Update: {
          active?: boolean | null
          deleted?: boolean
          id?: string
          metadata?: NonNullable<Json>
          name?: string | null
          raw?: NonNullable<Json>
          stripe_fetched_at?: string
        }
        Relationships: []
      }
      stripe_subscriptions: {
        Row: {
          cancel_at: string | null
          cancel_at_period_end: boolean
          canceled_at: string | null
          created: string | null
          current_period_end: string | null
          current_period_start: string | null
          customer_id: string
          ended_at: string | null
          id: string
          organization_id: string | null
          price_id: string | null
          product_id: string | null
          quantity: number | null
          raw: NonNullable<Json>
          status: string
          stripe_fetched_at: string
          trial_end: string | null
          trial_start: string | null
        }
        ComputedFields: never
        Insert: {
          cancel_at?: string | null
          cancel_at_period_end?: boolean
          canceled_at?: string | null
          created?: string | null
          current_period_end?: string | null
          current_period_start?: string | null
          customer_id: string
          ended_at?: string | null
          id: string
          organization_id?: string | null
          price_id?: string | null
          product_id?: string | null
          quantity?: number | null
          raw: NonNullable<Json>
          status: string
          stripe_fetched_at: string
          trial_end?: string | null
          trial_start?: string | null
        }
        Update: {
          cancel_at?: string | null
          cancel_at_period_end?: boolean
          canceled_at?: string | null
          created?: string | null
          current_period_end?: string | null
          current_period_start?: string | null
          customer_id?: string
          ended_at?: string | null
          id?: string
          organization_id?: string | null
          price_id?: string | null
          product_id?: string | null
          quantity?: number | null
          raw?: NonNullable<Json>
          status?: string
          stripe_fetched_at?: string
          trial_end?: string | null
          trial_start?: string | null
        }
        Relationships: [
          {
            foreignKeyName: 'stripe_subscriptions_organization_id_fkey'
            columns: ['organization_id']
            isOneToOne: false
            referencedRelation: 'organizations'
            referencedColumns: ['id']
          },
        ]
      }
    }
    Views: {
      [_ in never]: never
    }
    Functions: {
      _new_invitation_token: {
        Args: Record<PropertyKey, never>
        Returns: {
          token: string
          token_hash: string
        }[]
      }
      _plan_limit_max: { Args: { p_limit: string; p_limits: Json }; Returns: number }
      _refuse: { Args: { p_code: string; p_message: string; p_sqlstate: string }; Returns: undefined }
      accept_invitation: { Args: { p_token: string }; Returns: string }
      change_member_role: { Args: { p_organization_id: string; p_role: string; p_user_id: string }; Returns: undefined }
      create_organization: { Args: { p_name: string }; Returns: string }
      has_active_entitlement: { Args: { p_feature: string; p_organization_id: string }; Returns: boolean }
      has_org_role: { Args: { p_organization_id: string; p_role?: string }; Returns: boolean }
      invite_member: {
        Args: { p_email: string; p_organization_id: string; p_role?: string }
        Returns: {
          expires_at: string
          invitation_id: string
          token: string
        }[]
      }
      leave_organization: { Args: { p_organization_id: string }; Returns: undefined }
      plan_limit_allows: { Args: { p_in_use: number; p_limit: string; p_organization_id: string }; Returns: boolean }
      plan_limits_for: { Args: { p_price_id: string }; Returns: Json }
      plan_usage: {
        Args: { p_organization_id: string }
        Returns: {
          in_use: number
          limit_name: string
          limit_value: number
          over_by: number
        }[]
      }
      projects_in_use: { Args: { p_organization_id: string }; Returns: number }
      remove_member: { Args: { p_organization_id: string; p_user_id: string }; Returns: undefined }
      resend_invitation: {
        Args: { p_invitation_id: string }
        Returns: {
          expires_at: string
          invitation_id: string
          sent_count: number
          token: string
        }[]
      }
      revoke_invitation: { Args: { p_invitation_id: string }; Returns: undefined }
      seats_in_use: { Args: { p_organization_id: string }; Returns: number }
    }
    Enums: {
      [_ in never]: never
    }
    CompositeTypes: {
      [_ in never]: never
    }
  }
}

type DatabaseWithoutInternals = Omit<Database, '__InternalSupabase'>

type DefaultSchema = DatabaseWithoutInternals[Extract<keyof Database, 'public'>]

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema['Tables'] & DefaultSchema['Views'])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  } ? keyof (
      & DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions['schema']]['Tables']
      & DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions['schema']]['Views']
    )
    : never = never,
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals } ? (
    & DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions['schema']]['Tables']
    & DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions['schema']]['Views']
  )[TableName] extends {
    Row: infer R
  } ? R
  : never
  : DefaultSchemaTableNameOrOptions extends keyof (DefaultSchema['Tables'] & DefaultSchema['Views'])
    ? (DefaultSchema['Tables'] & DefaultSchema['Views'])[DefaultSchemaTableNameOrOptions] extends {
      Row: infer R
    } ? R
    : never
  : never

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema['Tables']
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  } ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions['schema']]['Tables']
    : never = never,
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions['schema']]['Tables'][TableName] extends {
    Insert: infer I
  } ? I
  : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema['Tables'] ? DefaultSchema['Tables'][DefaultSchemaTableNameOrOptions] extends {
      Insert: infer I
    } ? I
    : never
  : never

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema['Tables']
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  } ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions['schema']]['Tables']
    : never = never,
> = DefaultSchemaTableNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions['schema']]['Tables'][TableName] extends {
    Update: infer U
  } ? U
  : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema['Tables'] ? DefaultSchema['Tables'][DefaultSchemaTableNameOrOptions] extends {
      Update: infer U
    } ? U
    : never
  : never

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema['Enums']
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  } ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions['schema']]['Enums']
    : never = never,
> = DefaultSchemaEnumNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions['schema']]['Enums'][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema['Enums'] ? DefaultSchema['Enums'][DefaultSchemaEnumNameOrOptions]
  : never

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema['CompositeTypes']
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  } ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions['schema']]['CompositeTypes']
    : never = never,
> = PublicCompositeTypeNameOrOptions extends { schema: keyof DatabaseWithoutInternals }
  ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions['schema']]['CompositeTypes'][CompositeTypeName]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema['CompositeTypes'] ? DefaultSchema['CompositeTypes'][PublicCompositeTypeNameOrOptions]
  : never

export const Constants = {
  public: {
    Enums: {},
  },
} as const
