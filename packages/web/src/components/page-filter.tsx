/** The page's text filter: the field `/` focuses (layout.tsx finds it by `data-page-filter`). */
export function PageFilter(props: {
  id: string;
  value: string;
  placeholder: string;
  onInput: (value: string) => void;
}) {
  return (
    <div class="field">
      <label for={props.id}>Filter</label>
      <input
        id={props.id}
        type="search"
        data-page-filter
        placeholder={`${props.placeholder} (press /)`}
        value={props.value}
        onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)}
      />
    </div>
  );
}
