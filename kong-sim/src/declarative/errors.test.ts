import { densify, luaPretty, setAt } from './errors';

describe('declarative error helpers', () => {
  it('renders a Lua-like table, sorting keys and quoting odd ones', () => {
    expect(luaPretty({ services: [{ host: 'required field missing' }], '@entity': ['x'] })).toBe(
      '{["@entity"]={"x"},services={{host="required field missing"}}}',
    );
    expect(luaPretty([null, 'b'])).toBe('{[2]="b"}');
  });

  it('places errors at input paths with index-aligned arrays', () => {
    const tree = {};
    setAt(tree, ['services', 1, 'routes', 0], { paths: 'bad' });
    expect(densify(tree)).toEqual({ services: [null, { routes: [{ paths: 'bad' }] }] });
  });
});
